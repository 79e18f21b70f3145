using System.Text.Json.Nodes;
using static LspFineTune.Server.Tests.Lsp.FeatureRequests;

namespace LspFineTune.Server.Tests.Lsp;

public sealed class CancellationTests
{
    [Fact]
    public async Task Cancelled_requests_end_with_a_result_or_RequestCancelled_and_the_server_keeps_answering()
    {
        await using var client = await LspTestClient.StartAsync();
        var uri = await client.OpenAsync(Repo.Example("llama2-70b-full-8xa100.lft.yaml"));
        await client.DiagnosticsAsync(uri);

        // The client library sends $/cancelRequest for each of these; whichever finish first still answer.
        var outcomes = new List<string>();
        for (var i = 0; i < 20; i++)
        {
            using var cancel = new CancellationTokenSource();
            var request = client.RequestAsync("textDocument/codeAction", Range(uri, Lines(0, 60)["start"]!, Lines(0, 60)["end"]!), cancel.Token);
            cancel.Cancel();
            try
            {
                await request;
                outcomes.Add("result");
            }
            catch (OperationCanceledException)
            {
                outcomes.Add("cancelled");
            }
        }
        Assert.Equal(20, outcomes.Count);

        var lenses = (await client.RequestAsync("textDocument/codeLens", Document(uri)))!.AsArray();
        Assert.Equal(4, lenses.Count);
    }

    [Fact]
    public async Task A_cancel_for_an_unknown_request_id_is_ignored()
    {
        await using var client = await LspTestClient.StartAsync();
        await client.NotifyAsync("$/cancelRequest", new JsonObject { ["id"] = 12345 });
        await client.NotifyAsync("$/cancelRequest", new JsonObject { ["id"] = "no-such-request" });
        var uri = await client.OpenAsync(Repo.Example("llama2-7b-lora.lft.yaml"));
        Assert.NotNull(await client.RequestAsync("textDocument/hover", At(uri, new JsonObject { ["line"] = 6, ["character"] = 3 })));
    }
}
