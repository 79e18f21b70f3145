using System.Text.Json.Nodes;
using LspFineTune.Core;

namespace LspFineTune.Server.Tests.Lsp;

/// <summary>Full and incremental sync, ordering, and the edge cases editors produce.</summary>
public sealed class DocumentSyncTests
{
    [Fact]
    public async Task Keystrokes_sent_as_incremental_changes_end_with_the_diagnostics_of_the_final_text()
    {
        await using var client = await LspTestClient.StartAsync();
        var path = Repo.Example("llama2-7b-lora.lft.yaml");
        var uri = await client.OpenAsync(path);
        await client.DiagnosticsAsync(uri);

        // Type an unknown key character by character at the end of the training section, as an editor would send it.
        var text = client.Text(uri);
        var insertAt = LspTestClient.PositionOf(text, "training:\n", "training:\n".Length);
        var typed = "  gradient_checkpointng: true\n";
        var position = insertAt.DeepClone().AsObject();
        foreach (var c in typed)
        {
            await client.EditAsync(uri, new JsonArray(new JsonObject
            {
                ["range"] = new JsonObject { ["start"] = position.DeepClone(), ["end"] = position.DeepClone() },
                ["newText"] = c.ToString(),
            }));
            position = c == '\n'
                ? new JsonObject { ["line"] = (int)position["line"]! + 1, ["character"] = 0 }
                : new JsonObject { ["line"] = position["line"]!.DeepClone(), ["character"] = (int)position["character"]! + 1 };
        }

        var diagnostics = await client.DiagnosticsAsync(uri, client.Version(uri));
        var expected = ConfigAnalyzer.AnalyzeFile(path, client.Text(uri)).Diagnostics.Select(d => $"{d.Code}@{d.Range.Start}");
        Assert.Equal(expected, diagnostics.Select(d => $"{(string)d!["code"]!}@{(int)d["range"]!["start"]!["line"]!}:{(int)d["range"]!["start"]!["character"]!}"));
        var unknown = Assert.Single(diagnostics, d => (string)d!["code"]! == "LFT0102");
        Assert.Contains("gradient_checkpointing", (string)unknown!["message"]!);
    }

    [Fact]
    public async Task A_change_with_an_older_version_is_ignored_and_reported_in_the_log()
    {
        await using var client = await LspTestClient.StartAsync();
        var uri = await client.OpenAsync(Repo.Example("llama2-7b-lora.lft.yaml"));
        await client.ReplaceAsync(uri, "model: {name: llama-2-7b}\n");
        await client.DiagnosticsAsync(uri, 2);

        await client.NotifyAsync("textDocument/didChange", new JsonObject
        {
            ["textDocument"] = new JsonObject { ["uri"] = uri, ["version"] = 1 },
            ["contentChanges"] = new JsonArray(new JsonObject { ["text"] = "this: [is not valid" }),
        });
        var symbols = await client.RequestAsync("textDocument/documentSymbol", new JsonObject { ["textDocument"] = new JsonObject { ["uri"] = uri } });
        Assert.Equal("model", (string)symbols!.AsArray().Single()!["name"]!);
        await client.MessageAsync(m => ((string)m["message"]!).Contains("version 1"));
    }

    [Fact]
    public async Task Changes_and_requests_for_documents_that_are_not_open_do_no_harm()
    {
        await using var client = await LspTestClient.StartAsync();
        await client.NotifyAsync("textDocument/didChange", new JsonObject
        {
            ["textDocument"] = new JsonObject { ["uri"] = "file:///nowhere.lft.yaml", ["version"] = 3 },
            ["contentChanges"] = new JsonArray(new JsonObject { ["text"] = "model: {}" }),
        });
        await client.NotifyAsync("textDocument/didClose", new JsonObject { ["textDocument"] = new JsonObject { ["uri"] = "file:///nowhere.lft.yaml" } });
        var hover = await client.RequestAsync("textDocument/hover", new JsonObject
        {
            ["textDocument"] = new JsonObject { ["uri"] = "file:///nowhere.lft.yaml" },
            ["position"] = new JsonObject { ["line"] = 0, ["character"] = 0 },
        });
        Assert.Null(hover);
        var hints = await client.RequestAsync("textDocument/inlayHint", new JsonObject
        {
            ["textDocument"] = new JsonObject { ["uri"] = "file:///nowhere.lft.yaml" },
            ["range"] = new JsonObject { ["start"] = new JsonObject { ["line"] = 0, ["character"] = 0 }, ["end"] = new JsonObject { ["line"] = 5, ["character"] = 0 } },
        });
        Assert.Empty(hints!.AsArray());
        // The warnings are notifications, sent while the requests are answered: wait for them rather than race them.
        await client.MessageAsync(m => ((string)m["message"]!).Contains("didChange for file:///nowhere.lft.yaml, which is not open"));
        await client.MessageAsync(m => ((string)m["message"]!).Contains("didClose for file:///nowhere.lft.yaml, which is not open"));
    }

    [Fact]
    public async Task Closing_a_document_clears_its_diagnostics()
    {
        await using var client = await LspTestClient.StartAsync();
        var uri = await client.OpenAsync(Repo.Example("llama2-70b-full-8xa100.lft.yaml"));
        Assert.NotEmpty(await client.DiagnosticsAsync(uri));
        await client.NotifyAsync("textDocument/didClose", new JsonObject { ["textDocument"] = new JsonObject { ["uri"] = uri } });
        Assert.Empty(await client.DiagnosticsAsync(uri, 0));
    }

    [Fact]
    public async Task Positions_past_the_end_of_a_line_or_the_document_are_clamped()
    {
        await using var client = await LspTestClient.StartAsync();
        var uri = await client.OpenAsync(Repo.Example("llama2-7b-lora.lft.yaml"));
        await client.DiagnosticsAsync(uri);
        // An edit whose range runs past the end replaces up to the end, as LSP asks.
        await client.NotifyAsync("textDocument/didChange", new JsonObject
        {
            ["textDocument"] = new JsonObject { ["uri"] = uri, ["version"] = 2 },
            ["contentChanges"] = new JsonArray(new JsonObject
            {
                ["range"] = new JsonObject { ["start"] = new JsonObject { ["line"] = 0, ["character"] = 0 }, ["end"] = new JsonObject { ["line"] = 10_000, ["character"] = 10_000 } },
                ["text"] = "model:\n  name: llama-2-7b\nmethod:\n  type: lora\n",
            }),
        });
        Assert.DoesNotContain(await client.DiagnosticsAsync(uri, 2), d => (int)d!["severity"]! == 1);
        var hover = await client.RequestAsync("textDocument/hover", new JsonObject
        {
            ["textDocument"] = new JsonObject { ["uri"] = uri },
            ["position"] = new JsonObject { ["line"] = 1, ["character"] = 500 },
        });
        Assert.Contains("model.name", (string)hover!["contents"]!["value"]!);
    }
}
