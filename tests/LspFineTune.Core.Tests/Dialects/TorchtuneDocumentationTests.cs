using System.Diagnostics;
using LspFineTune.Core.Dialects.Torchtune;
using LspFineTune.Core.Schema;
using Xunit.Abstractions;
using static LspFineTune.Core.Tests.Dialects.TorchtuneBindingTests;

namespace LspFineTune.Core.Tests.Dialects;

/// <summary>torchtune has no schema: its documentation is synthesized per document from the components it names and the
/// recipe it runs with (Data/torchtune.json, and our notes in Data/torchtune-notes.json).</summary>
public class TorchtuneDocumentationTests(ITestOutputHelper output)
{
    private static SchemaDocumentation Documentation(string text, string name = "config.yaml") => Analyze(text, name).Documentation!;

    private static IEnumerable<string> Names(SchemaKeyInfo section) => section.Children.Select(c => c.Path[(c.Path.LastIndexOf('.') + 1)..]);

    private static IEnumerable<string> Values(SchemaKeyInfo key) => key.AllowedValues.Select(v => v!.GetValue<string>());

    [Fact]
    public void A_lora_builders_section_lists_its_parameters_with_their_defaults()
    {
        var documentation = Documentation(Lora);

        var model = documentation.Find("model")!;
        Assert.True(model.IsSection);
        Assert.Contains("lora_rank", Names(model));
        Assert.Contains("lora_attn_modules", Names(model));
        var rank = documentation.Find("model.lora_rank")!;
        Assert.Equal(8, rank.Default!.GetValue<int>());
        Assert.Equal(["integer"], rank.Types);
        Assert.Contains("lora_llama3_2_1b", rank.MarkdownDescription);
        Assert.Contains("grow linearly", rank.MarkdownDescription);
        // Booleans as torchtune writes them; a required argument says so.
        Assert.Equal(["True", "False"], Values(documentation.Find("model.quantize_base")!));
        Assert.Contains("required", documentation.Find("model.lora_attn_modules")!.MarkdownDescription);
        // Defaults with no JSON value of their own read as Python writes them.
        Assert.Contains("Default: `None`.", documentation.Find("checkpointer.output_dir")!.MarkdownDescription);
    }

    [Fact]
    public void Component_completes_to_the_components_of_the_sections_role()
    {
        var documentation = Documentation(Lora);

        var optimizers = Values(documentation.Find("optimizer._component_")!).ToList();
        Assert.Contains("torch.optim.AdamW", optimizers);
        Assert.Contains("bitsandbytes.optim.PagedAdamW8bit", optimizers);
        Assert.DoesNotContain("torchtune.models.llama3_2.lora_llama3_2_1b", optimizers);
        var builders = Values(documentation.Find("model._component_")!).ToList();
        Assert.Contains("torchtune.models.llama3_2.lora_llama3_2_1b", builders);
        Assert.Contains("torchtune.models.qwen3.qwen3_8b_instruct", builders);
        Assert.DoesNotContain("torch.optim.AdamW", builders);
        // Re-exports appear once, under the shortest path.
        var checkpointers = Values(documentation.Find("checkpointer._component_")!).ToList();
        Assert.Contains("torchtune.training.FullModelHFCheckpointer", checkpointers);
        Assert.DoesNotContain("torchtune.training.checkpointing.FullModelHFCheckpointer", checkpointers);
        Assert.Contains("torchtune.models.llama3.llama3_tokenizer", Values(documentation.Find("tokenizer._component_")!));
        Assert.Contains("torchtune.modules.loss.LinearCrossEntropyLoss", Values(documentation.Find("loss._component_")!));
        Assert.Contains("torchtune.datasets.alpaca_cleaned_dataset", Values(documentation.Find("dataset._component_")!));
        // The optimizer's own parameters, less the one the recipe passes (model.parameters()).
        var optimizer = documentation.Find("optimizer")!;
        Assert.Contains("fused", Names(optimizer));
        Assert.DoesNotContain("params", Names(optimizer));
    }

    [Fact]
    public void Top_level_keys_are_those_the_recipe_reads()
    {
        var single = Documentation(Lora);
        Assert.NotNull(single.Find("save_adapter_weights_only"));
        Assert.Null(single.Find("fsdp_cpu_offload"));
        Assert.Contains("lora_finetune_single_device", single.Find("batch_size")!.MarkdownDescription);

        var distributed = Documentation("# lft: recipe=full_finetune_distributed\n" + Lora);
        var offload = distributed.Find("fsdp_cpu_offload")!;
        Assert.Contains("CPU", offload.MarkdownDescription);
        Assert.False(offload.Default!.GetValue<bool>());
        Assert.Equal(["True", "False"], Values(offload));
        Assert.NotNull(distributed.Find("optimizer_in_bwd"));
        Assert.Null(distributed.Find("save_adapter_weights_only"));
        Assert.Equal(["bf16", "fp32"], Values(distributed.Find("dtype")!));
        // A required key has no default of its own, but another recipe's default still tells its type.
        Assert.Equal(["True", "False"], Values(distributed.Find("enable_activation_checkpointing")!));
        Assert.Contains("Recompute", distributed.Find("enable_activation_checkpointing")!.MarkdownDescription);
    }

    [Fact]
    public void Without_a_recipe_every_recipes_keys_are_offered()
    {
        var documentation = Documentation(Lora.Replace("#   tune run lora_finetune_single_device --config llama3_2/1B_lora_single_device\n", ""), "mine.yaml");
        Assert.NotNull(documentation.Find("fsdp_cpu_offload"));
        Assert.NotNull(documentation.Find("save_adapter_weights_only"));
    }

    [Fact]
    public void The_documentation_is_cached_until_a_component_changes()
    {
        var first = Documentation(Lora);
        Assert.Same(first, Documentation(Lora.Replace("batch_size: 4", "batch_size: 8")));
        var other = Documentation(Lora.Replace("torch.optim.AdamW", "bitsandbytes.optim.PagedAdamW8bit"));
        Assert.NotSame(first, other);
        Assert.Contains("min_8bit_size", Names(other.Find("optimizer")!));
    }

    [Fact]
    public void Timing_of_one_analysis_with_and_without_the_documentation()
    {
        // A printout, not an assertion: the server re-analyses on every keystroke, completion and hover then ask for the
        // documentation.
        const int iterations = 200;
        var text = Lora;
        var path = Path.Combine(Path.GetTempPath(), "config.yaml");
        _ = ConfigAnalyzer.AnalyzeFile(path, text).Documentation;
        var start = Stopwatch.GetTimestamp();
        for (var i = 0; i < iterations; i++)
            _ = ConfigAnalyzer.AnalyzeFile(path, text);
        var analysisOnly = Stopwatch.GetElapsedTime(start).TotalMilliseconds / iterations;
        var analyzed = ConfigAnalyzer.AnalyzeFile(path, text);
        start = Stopwatch.GetTimestamp();
        for (var i = 0; i < iterations; i++)
            _ = analyzed.Documentation!.Find("model")!.Children.Count;
        var hit = Stopwatch.GetElapsedTime(start).TotalMilliseconds / iterations;
        // A cache miss: each optimizer gives a new set of components.
        var optimizers = new[] { "torch.optim.SGD", "torch.optim.Adam", "torchao.optim.AdamW8bit", "bitsandbytes.optim.AdamW", "bitsandbytes.optim.PagedAdamW" };
        var misses = optimizers.Select(o => ConfigAnalyzer.AnalyzeFile(path, text.Replace("torch.optim.AdamW", o))).ToList();
        start = Stopwatch.GetTimestamp();
        foreach (var analysis in misses)
            _ = analysis.Documentation;
        var build = Stopwatch.GetElapsedTime(start).TotalMilliseconds / misses.Count;
        output.WriteLine($"torchtune analysis {analysisOnly:0.000} ms; documentation from the cache {hit * 1000:0.0} µs; built on a miss {build:0.000} ms");
    }
}
