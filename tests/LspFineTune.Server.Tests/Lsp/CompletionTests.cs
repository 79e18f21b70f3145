using System.Text.Json.Nodes;
using static LspFineTune.Server.Tests.Lsp.FeatureRequests;

namespace LspFineTune.Server.Tests.Lsp;

public sealed class CompletionTests
{
    private static async Task<JsonArray> CompleteAsync(LspTestClient client, string uri, int line, int character) =>
        (await client.RequestAsync("textDocument/completion", At(uri, new JsonObject { ["line"] = line, ["character"] = character })))!["items"]!.AsArray();

    private static IEnumerable<string> Labels(JsonArray items) => items.Select(i => (string)i!["label"]!);

    [Fact]
    public async Task Keys_of_the_section_at_the_cursor_are_offered_except_those_already_written()
    {
        await using var client = await LspTestClient.StartAsync();
        var text = "model:\n  name: llama-2-7b\ntraining:\n  micro_batch_size: 2\n  grad\n";
        var uri = await client.OpenAsync("/tmp/completion.lft.yaml", text);

        var items = await CompleteAsync(client, uri, 4, 6);

        Assert.Contains("gradient_checkpointing", Labels(items));
        Assert.Contains("gradient_accumulation_steps", Labels(items));
        Assert.DoesNotContain("micro_batch_size", Labels(items));
        Assert.DoesNotContain("zero_stage", Labels(items));
        var item = items.Single(i => (string)i!["label"]! == "gradient_checkpointing")!;
        Assert.Equal("gradient_checkpointing: ", (string)item["textEdit"]!["newText"]!);
        Assert.Equal(2, (int)item["textEdit"]!["range"]!["start"]!["character"]!);
        Assert.Contains("Recompute activations", (string)item["documentation"]!["value"]!);
    }

    [Fact]
    public async Task Top_level_sections_come_as_snippets_with_their_keys()
    {
        await using var client = await LspTestClient.StartAsync();
        var uri = await client.OpenAsync("/tmp/sections.lft.yaml", "model:\n  name: llama-2-7b\n\n");

        var items = await CompleteAsync(client, uri, 2, 0);

        Assert.DoesNotContain("model", Labels(items));
        var deepspeed = items.Single(i => (string)i!["label"]! == "deepspeed")!;
        Assert.Equal(2, (int)deepspeed["insertTextFormat"]!);
        Assert.StartsWith("deepspeed:\n  zero_stage: ${1:0}", (string)deepspeed["textEdit"]!["newText"]!);
    }

    [Fact]
    public async Task Values_complete_from_the_enum_and_the_catalogs()
    {
        await using var client = await LspTestClient.StartAsync();
        var text = "model:\n  name: \nhardware:\n  gpu: \ntraining:\n  attention: \n";
        var uri = await client.OpenAsync("/tmp/values.lft.yaml", text);

        Assert.Contains("llama-2-7b", Labels(await CompleteAsync(client, uri, 1, 8)));
        var gpus = await CompleteAsync(client, uri, 3, 7);
        Assert.Contains("h100-sxm", Labels(gpus));
        Assert.Contains("Hopper", (string)gpus.Single(i => (string)i!["label"]! == "h100-sxm")!["documentation"]!["value"]!);
        Assert.Equal(["eager", "sdpa", "flash"], Labels(await CompleteAsync(client, uri, 5, 13)));
    }

    [Fact]
    public async Task Json_configs_complete_quoted_keys_and_values()
    {
        await using var client = await LspTestClient.StartAsync();
        var text = "{\n  \"model\": {\"name\": \"llama-2-7b\"},\n  \"training\": {\n    \"attention\": \"\",\n    \"\n  }\n}\n";
        var uri = await client.OpenAsync("/tmp/values.lft.json", text);

        var values = await CompleteAsync(client, uri, 3, 18);
        Assert.Equal("\"flash\"", (string)values.Single(i => (string)i!["label"]! == "flash")!["textEdit"]!["newText"]!);
        var keys = await CompleteAsync(client, uri, 4, 5);
        Assert.Equal("\"micro_batch_size\": ", (string)keys.Single(i => (string)i!["label"]! == "micro_batch_size")!["textEdit"]!["newText"]!);
        Assert.DoesNotContain("attention", Labels(keys));
    }
}
