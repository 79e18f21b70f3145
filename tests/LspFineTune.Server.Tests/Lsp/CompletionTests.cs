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

        var models = Labels(await CompleteAsync(client, uri, 1, 8));
        Assert.Contains("llama-2-7b", models);
        Assert.Equal(Core.Catalogs.ModelCatalog.Default.All.Select(model => model.Id).ToHashSet(), models.ToHashSet());
        Assert.Contains("qwen3-8b", models);
        Assert.Contains("deepseek-v3", models);
        var gpus = await CompleteAsync(client, uri, 3, 7);
        Assert.Contains("h100-sxm", Labels(gpus));
        Assert.Contains("Hopper", (string)gpus.Single(i => (string)i!["label"]! == "h100-sxm")!["documentation"]!["value"]!);
        Assert.Superset(Core.Catalogs.GpuCatalog.Default.All.Select(gpu => gpu.Id).ToHashSet(), Labels(gpus).ToHashSet());
        Assert.Contains("A800 80GB SXM4", (string)gpus.Single(i => (string)i!["label"]! == "a800-80gb")!["detail"]!);
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

    private static async Task<JsonArray> CompleteAfterAsync(LspTestClient client, string uri, string needle) =>
        (await client.RequestAsync("textDocument/completion", At(uri, LspTestClient.PositionOf(client.Text(uri), needle, needle.Length))))!["items"]!.AsArray();

    [Fact]
    public async Task Torchtune_sections_complete_their_components_parameters_and_the_components_of_their_role()
    {
        await using var client = await LspTestClient.StartAsync();
        var path = Repo.Example("torchtune/llama3_2-3B-lora-single-device.yaml");
        var text = File.ReadAllText(path).Replace("  lora_dropout: 0.0\n", "  lora_dropout: 0.0\n  \n");
        var uri = await client.OpenAsync(path, text);

        // Inside model: the builder's parameters not yet written, with what they do.
        var keys = await CompleteAfterAsync(client, uri, "  lora_dropout: 0.0\n  ");
        Assert.Contains("quantize_base", Labels(keys));
        Assert.Contains("use_dora", Labels(keys));
        Assert.DoesNotContain("lora_rank", Labels(keys));
        Assert.DoesNotContain("batch_size", Labels(keys));
        Assert.Contains("NF4", (string)keys.Single(i => (string)i!["label"]! == "quantize_base")!["documentation"]!["value"]!);

        // _component_ completes to builders under model:, optimizers under optimizer: (not catalog ids).
        var builders = Labels(await CompleteAfterAsync(client, uri, "_component_: torchtune.models.llama3_2.lora_llama3_2_3b")).ToList();
        Assert.Contains("torchtune.models.llama3_2.qlora_llama3_2_3b", builders);
        Assert.DoesNotContain("meta-llama/Llama-3.2-3B", builders);
        var optimizers = Labels(await CompleteAfterAsync(client, uri, "_component_: torch.optim.AdamW")).ToList();
        Assert.Contains("torch.optim.AdamW", optimizers);
        Assert.Contains("bitsandbytes.optim.PagedAdamW8bit", optimizers);

        // Booleans as torchtune writes them, at the top level and in a section.
        Assert.Equal(["True", "False"], Labels(await CompleteAfterAsync(client, uri, "enable_activation_offloading: False")));
        Assert.Equal(["True", "False"], Labels(await CompleteAfterAsync(client, uri, "apply_lora_to_mlp: True")));
    }
}
