using System.Text.Json.Nodes;
using StreamJsonRpc;
using static LspFineTune.Server.Tests.Lsp.FeatureRequests;

namespace LspFineTune.Server.Tests.Lsp;

public sealed class CommandAndSymbolTests
{
    private static JsonObject Command(string command, params JsonNode?[] arguments) =>
        new() { ["command"] = command, ["arguments"] = new JsonArray(arguments) };

    [Fact]
    public async Task ShowBreakdown_answers_terms_that_add_up_to_the_peak()
    {
        await using var client = await LspTestClient.StartAsync();
        var uri = await client.OpenAsync(Repo.Example("llama2-7b-lora.lft.yaml"));

        var breakdown = (await client.RequestAsync("workspace/executeCommand", Command("lft.showBreakdown", uri)))!;

        Assert.True((bool)breakdown["fits"]!);
        Assert.Equal((long)breakdown["peakBytes"]!, breakdown["terms"]!.AsArray().Sum(t => (long)t!["bytes"]!));
        Assert.Equal("A100 80GB SXM4", (string)breakdown["gpu"]!);
        Assert.StartsWith("**Fits**", (string)breakdown["markdown"]!);
    }

    [Fact]
    public async Task Plan_applies_the_fastest_plan_through_workspace_applyEdit()
    {
        await using var client = await LspTestClient.StartAsync();
        var uri = await client.OpenAsync(Repo.Example("llama2-70b-full-8xa100.lft.yaml"));

        var result = (await client.RequestAsync("workspace/executeCommand", Command("lft.plan", new JsonObject { ["uri"] = uri })))!;

        Assert.True((bool)result["applied"]!);
        Assert.Contains(result["changes"]!.AsArray(), c => (string)c!["path"]! == "deepspeed.zero_stage" && (string)c["value"]! == "3");
        Assert.Single(client.AppliedEdits);
        await client.ReplaceAsync(uri, client.Text(uri));
        Assert.DoesNotContain(await client.DiagnosticsAsync(uri, client.Version(uri)), d => (string)d!["code"]! == "LFT0301");
    }

    [Fact]
    public async Task Unknown_commands_and_missing_arguments_are_invalid_params()
    {
        await using var client = await LspTestClient.StartAsync();
        Assert.Equal(-32602, (int)(await client.RequestErrorAsync("workspace/executeCommand", Command("lft.nothing"))).ErrorCode);
        Assert.Equal(-32602, (int)(await client.RequestErrorAsync("workspace/executeCommand", Command("lft.plan"))).ErrorCode);
    }

    [Fact]
    public async Task The_outline_lists_sections_with_their_keys()
    {
        await using var client = await LspTestClient.StartAsync();
        var uri = await client.OpenAsync(Repo.Example("llama2-7b-lora.lft.yaml"));

        var symbols = (await client.RequestAsync("textDocument/documentSymbol", Document(uri)))!.AsArray();

        Assert.Equal(["model", "hardware", "method", "optimizer", "training", "deepspeed", "data", "output"], symbols.Select(s => (string)s!["name"]!));
        var training = symbols.Single(s => (string)s!["name"]! == "training")!;
        var microBatch = training["children"]!.AsArray().Single(c => (string)c!["name"]! == "micro_batch_size")!;
        Assert.Equal("4", (string)microBatch["detail"]!);
    }
}
