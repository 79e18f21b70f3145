using LspFineTune.Core.Diagnostics;
using static LspFineTune.Core.Tests.Dialects.TorchtuneBindingTests;

namespace LspFineTune.Core.Tests.Dialects;

/// <summary>Realistic mistakes in torchtune configs: an error (or warning) on their line with the right did-you-mean.</summary>
public class TorchtuneMistakesTests
{
    private static Diagnostic Single(string text, string code)
    {
        var analysis = Analyze(text);
        return Assert.Single(analysis.Diagnostics, d => d.Code == code);
    }

    private static int Line(string text, string needle) =>
        text.Split('\n').Select((l, i) => (l, i)).First(x => x.l.Contains(needle, StringComparison.Ordinal)).i + 1;

    [Theory]
    [InlineData("apply_lora_to_mlp: True", "lora_rnak: 16", "lora_rank")]
    [InlineData("apply_lora_to_mlp: True", "apply_lora_to_mpl: True", "apply_lora_to_mlp")]
    [InlineData("fused: True", "weight_decy: 0.01", "weight_decay")]
    public void A_component_argument_the_callable_does_not_take_is_an_error_with_its_did_you_mean(string after, string inserted, string suggestion)
    {
        var indent = Lora.Split('\n').First(l => l.Contains(after, StringComparison.Ordinal))[..2];
        var text = Lora.Replace(after, after + "\n" + indent + inserted);
        var error = Single(text, DiagnosticCodes.UnknownKey);
        Assert.Equal(DiagnosticSeverity.Error, error.Severity);
        Assert.Equal(Line(text, inserted), error.Range.Start.Line + 1);
        Assert.Equal(suggestion, error.Data["suggestion"]);
        Assert.Contains("tune validate", error.Message);
        Assert.Contains(error.Fixes, f => f.Title == $"Change to `{suggestion}`");
    }

    [Theory]
    [InlineData("packed: False", "packd: True", DiagnosticSeverity.Warning, "packed")]
    [InlineData("enable_activation_checkpointing: False", "enable_activation_checkpoiting: True", DiagnosticSeverity.Error, "enable_activation_checkpointing")]
    public void A_near_miss_passed_to_kwargs_warns_and_a_misspelt_top_level_key_is_an_error(string original, string misspelt, DiagnosticSeverity severity, string suggestion)
    {
        // A dataset builder's **kwargs take any name (so the named parameter keeps its default); no recipe reads a
        // misspelt top-level key.
        var text = Lora.Replace(original, misspelt);
        var finding = Single(text, DiagnosticCodes.UnknownKey);
        Assert.Equal(severity, finding.Severity);
        Assert.Equal(suggestion, finding.Data["suggestion"]);
        Assert.Equal(Line(text, misspelt), finding.Range.Start.Line + 1);
    }

    [Fact]
    public void A_component_path_that_does_not_exist_is_a_warning_with_the_closest_path()
    {
        var text = Lora.Replace("torchtune.modules.loss.LinearCrossEntropyLoss", "torchtune.modules.loss.LinearCrossEntropyLos");
        var warning = Single(text, DiagnosticCodes.NotAllowedValue);
        Assert.Equal(DiagnosticSeverity.Warning, warning.Severity);
        Assert.Equal("torchtune.modules.loss.LinearCrossEntropyLoss", warning.Data["suggestion"]);
        var moved = Single(Lora.Replace("torchtune.modules.loss.LinearCrossEntropyLoss", "torchtune.modules.LinearCrossEntropyLoss"), DiagnosticCodes.NotAllowedValue);
        Assert.Equal("torchtune.modules.loss.LinearCrossEntropyLoss", moved.Data["suggestion"]);
        var builder = Single(Lora.Replace("lora_llama3_2_1b", "lora_llama3_2_1B"), DiagnosticCodes.NotAllowedValue);
        Assert.Equal("torchtune.models.llama3_2.lora_llama3_2_1b", builder.Data["suggestion"]);
    }

    [Fact]
    public void A_wrong_dtype_is_refused_with_its_did_you_mean()
    {
        var error = Single(Lora.Replace("dtype: bf16", "dtype: bfloat16"), DiagnosticCodes.NotAllowedValue);
        Assert.Equal("bf16", error.Data["suggestion"]);
    }

    [Fact]
    public void A_huggingface_module_name_in_lora_attn_modules_is_flagged_with_torchtunes_name()
    {
        var text = Lora.Replace("['q_proj', 'v_proj', 'output_proj']", "['q_proj', 'v_proj', 'o_proj']");
        var warning = Single(text, DiagnosticCodes.UnknownLoraTarget);
        Assert.Equal("output_proj", warning.Data["suggestion"]);
    }

    [Fact]
    public void A_lora_builder_without_lora_attn_modules_is_refused()
    {
        var error = Single(Lora.Replace("  lora_attn_modules: ['q_proj', 'v_proj', 'output_proj']\n", ""), DiagnosticCodes.FrameworkRefuses);
        Assert.Contains("lora_attn_modules", error.Message);
    }
}

/// <summary>torchtune's own refusals (the recipes' __init__ checks) as LFT0510 errors on their keys.</summary>
public class TorchtuneRulesTests
{
    private static Diagnostic Refusal(string text) => Assert.Single(Analyze(text).Diagnostics, d => d.Code == DiagnosticCodes.FrameworkRefuses);

    [Fact]
    public void Fp16_is_refused()
    {
        Assert.Contains("fp16", Refusal(Lora.Replace("dtype: bf16", "dtype: fp16")).Message);
    }

    [Fact]
    public void Activation_offloading_without_checkpointing_is_refused()
    {
        var error = Refusal(Lora + "\nenable_activation_offloading: True\n");
        Assert.Contains("enable_activation_checkpointing: True", error.Message);
        Assert.DoesNotContain(Analyze(Lora.Replace("enable_activation_checkpointing: False", "enable_activation_checkpointing: True") + "\nenable_activation_offloading: True\n").Diagnostics,
            d => d.Code == DiagnosticCodes.FrameworkRefuses);
    }

    [Fact]
    public void Optimizer_in_backward_with_gradient_accumulation_is_refused_by_the_full_recipes()
    {
        var full = Lora.Replace("lora_finetune_single_device", "full_finetune_single_device").Replace("lora_llama3_2_1b", "llama3_2_1b")
            .Replace("  lora_attn_modules: ['q_proj', 'v_proj', 'output_proj']\n  apply_lora_to_mlp: True\n", "") + "\noptimizer_in_bwd: True\n";
        Assert.Contains("gradient_accumulation_steps: 1", Refusal(full).Message);
        // The LoRA recipes do not read the key: it has no effect, which is a warning.
        var lora = Analyze(Lora + "\noptimizer_in_bwd: True\n");
        Assert.Contains(lora.Diagnostics, d => d.Code == DiagnosticCodes.FrameworkWarns && d.Message.Contains("does not read `optimizer_in_bwd`"));
    }

    [Fact]
    public void Packing_without_max_seq_len_is_refused()
    {
        var error = Refusal(Lora.Replace("packed: False", "packed: True").Replace("max_seq_len: 1024", "max_seq_len: null"));
        Assert.Contains("PackedDataset requires a max_seq_len", error.Message);
    }

    [Fact]
    public void A_missing_batch_size_stops_the_recipe()
    {
        Assert.Contains("batch_size", Refusal(Lora.Replace("batch_size: 4\n", "")).Message);
    }
}
