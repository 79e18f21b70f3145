using static LspFineTune.Server.Tests.Lsp.FeatureRequests;

namespace LspFineTune.Server.Tests.Lsp;

public sealed class HoverTests
{
    [Fact]
    public async Task Hover_on_checkpointing_off_says_how_much_enabling_it_saves_and_what_it_costs()
    {
        await using var client = await LspTestClient.StartAsync();
        var path = Repo.Example("llama2-7b-lora.lft.yaml");
        var text = File.ReadAllText(path).Replace("gradient_checkpointing: true", "gradient_checkpointing: false");
        var uri = await client.OpenAsync(path, text);

        var hover = await HoverTextAsync(client, uri, "gradient_checkpointing", shift: 3);

        Assert.Contains("`training.gradient_checkpointing`", hover);
        Assert.Contains("default: `false`", hover);
        Assert.Matches(@"`true`: saves [0-9.]+ GB \(activations −[0-9.]+ GB", hover);
        Assert.Matches(@"about \+[0-9]+% time", hover);
    }

    [Fact]
    public async Task Hover_on_an_enum_value_lists_the_allowed_values_and_the_effect_of_each()
    {
        await using var client = await LspTestClient.StartAsync();
        var uri = await client.OpenAsync(Repo.Example("mistral-7b-long-context.lft.yaml"));

        var hover = await HoverTextAsync(client, uri, "  attention: eager", shift: "  attention: ".Length);

        Assert.Contains("allowed: `eager`, `sdpa`, `flash`", hover);
        Assert.Matches(@"`flash`: saves [0-9.]+ GB .*→ [0-9.]+ GB, fits", hover);
    }

    [Fact]
    public async Task Hover_on_the_model_shows_its_architecture_and_parameter_count()
    {
        await using var client = await LspTestClient.StartAsync();
        var uri = await client.OpenAsync(Repo.Example("llama2-7b-lora.lft.yaml"));

        var hover = await HoverTextAsync(client, uri, "meta-llama/Llama-2-7b-hf");

        Assert.Contains("6.74 B parameters (llama)", hover);
        Assert.Contains("32 layers, hidden 4,096", hover);
        Assert.Contains("trained here: 8.39 M", hover);
    }

    [Fact]
    public async Task Hover_on_a_pre_quantized_model_says_its_base_its_stored_format_and_where_it_came_from()
    {
        await using var client = await LspTestClient.StartAsync();
        var path = Path.Combine(Path.GetTempPath(), "lft-hover-bnb", "config.yml");
        var uri = await client.OpenAsync(path, "base_model: unsloth/llama-3-8b-bnb-4bit\nadapter: lora\nsequence_len: 1024\nmicro_batch_size: 1\n");

        var hover = await HoverTextAsync(client, uri, "unsloth/llama-3-8b-bnb-4bit");

        Assert.Contains("**llama-3-8b**", hover);
        Assert.Contains("base weights stored 4-bit (bitsandbytes nf4): 0.516 B per block weight", hover);
        Assert.Contains("from the bundled catalog (llama-3-8b, the architecture of meta-llama/Meta-Llama-3-8B)", hover);
        Assert.Contains("`unsloth/llama-3-8b-bnb-4bit`: meta-llama/Meta-Llama-3-8B's architecture, weights stored 4-bit (bitsandbytes nf4); Unsloth's re-upload", hover);
    }

    [Fact]
    public async Task Hover_on_the_gpu_shows_its_specs()
    {
        await using var client = await LspTestClient.StartAsync();
        var uri = await client.OpenAsync(Repo.Example("llama3-8b-bf16-on-v100.lft.yaml"));

        var hover = await HoverTextAsync(client, uri, "gpu:", shift: 1);

        Assert.Contains("V100", hover);
        Assert.Contains("bf16 no, FlashAttention-2 no", hover);
    }

    [Fact]
    public async Task Hover_at_the_top_of_the_document_shows_the_whole_breakdown_as_a_table()
    {
        await using var client = await LspTestClient.StartAsync();
        var uri = await client.OpenAsync(Repo.Example("llama2-70b-full-8xa100.lft.yaml"));

        var hover = await HoverTextAsync(client, uri, "#");

        Assert.StartsWith("**Does not fit**: peak 448 GB of 85.0 GB usable per GPU", hover);
        Assert.Contains("| term | per GPU | share | formula |", hover);
        foreach (var term in new[] { "weights", "gradients", "optimizer states", "activations", "overhead" })
            Assert.Contains($"| {term} |", hover);
        Assert.Contains("**Runtime**", hover);
    }

    [Fact]
    public async Task Units_setting_GiB_changes_every_size_the_editor_shows()
    {
        await using var client = await LspTestClient.StartAsync(settings: new System.Text.Json.Nodes.JsonObject { ["units"] = "GiB" });
        var uri = await client.OpenAsync(Repo.Example("llama2-70b-full-8xa100.lft.yaml"));
        var diagnostics = await client.DiagnosticsUntilAsync(uri, d => d.Any(x => ((string)x!["message"]!).Contains("GiB")));

        var hover = await HoverTextAsync(client, uri, "#");
        Assert.StartsWith("**Does not fit**: peak 417 GiB of 79.2 GiB usable per GPU", hover);
        Assert.Contains("GiB", (string)diagnostics.First(d => (string)d!["code"]! == "LFT0301")!["message"]!);
    }

    [Fact]
    public async Task Hover_on_a_torchtune_builder_argument_documents_it_from_the_builders_signature()
    {
        await using var client = await LspTestClient.StartAsync();
        var uri = await client.OpenAsync(Repo.Example("torchtune/llama3_2-3B-lora-single-device.yaml"));
        var rank = await HoverTextAsync(client, uri, "lora_rank", shift: 2);
        var checkpointing = await HoverTextAsync(client, uri, "enable_activation_checkpointing", shift: 2);

        // A builder argument: our note, the builder, its default from the signature.
        Assert.Contains("`model.lora_rank`", rank);
        Assert.Contains("Rank of the LoRA adapters", rank);
        Assert.Contains("Argument of `lora_llama3_2_3b`", rank);
        Assert.Contains("default: `8`", rank);
        // A top-level key: what it does, the recipe that reads it, and the estimate's effects after them.
        Assert.Contains("Recompute", checkpointing);
        Assert.Contains("lora_finetune_single_device", checkpointing);
        Assert.Contains("**Effect on the estimate**", checkpointing);
    }
}
