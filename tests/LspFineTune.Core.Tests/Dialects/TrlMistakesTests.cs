using LspFineTune.Core.Diagnostics;
using LspFineTune.Core.Tests.Editing;

namespace LspFineTune.Core.Tests.Dialects;

/// <summary>Realistic mistakes in TRL files: an error (or the warning TRL's own history calls for) on the mistake's line,
/// with the right did-you-mean and its fix.</summary>
public class TrlMistakesTests
{
    private const string Config = """
        model_name_or_path: meta-llama/Llama-3.2-1B
        dtype: bfloat16
        attn_implementation: flash_attention_2
        use_peft: true
        lora_r: 16
        lora_alpha: 32
        max_length: 2048
        per_device_train_batch_size: 2
        gradient_accumulation_steps: 4
        optim: adamw_torch_fused
        learning_rate: 0.0002
        output_dir: data/llama-sft

        """;

    private static (ConfigAnalysis Analysis, string Text) Analyze(string from, string to)
    {
        using var files = new DialectTestFiles();
        var text = from.Length == 0 ? Config : Config.Replace(from, to);
        files.Write("recipes/llama/sft/config.yaml", text);
        var analysis = files.Analyze("recipes/llama/sft/config.yaml");
        Assert.Equal("trl", analysis.Dialect?.Id);
        return (analysis, text);
    }

    private static int LineOf(string text) => Config.Split('\n').ToList().FindIndex(l => l.StartsWith(text, StringComparison.Ordinal));

    [Fact]
    public void The_clean_config_has_no_error_or_warning()
    {
        var (analysis, _) = Analyze("", "");
        Assert.DoesNotContain(analysis.Diagnostics, d => d.Severity is DiagnosticSeverity.Error or DiagnosticSeverity.Warning);
        Assert.NotNull(analysis.Estimate);
    }

    [Theory]
    [InlineData("per_device_train_batch_size: 2", "per_device_train_bach_size: 2", "per_device_train_batch_size")]
    [InlineData("lora_r: 16", "lora_rank: 16", "lora_r")]
    [InlineData("gradient_accumulation_steps: 4", "gradient_accumulation_step: 4", "gradient_accumulation_steps")]
    public void A_misspelt_key_is_an_error_with_its_did_you_mean(string from, string to, string suggestion)
    {
        var (analysis, text) = Analyze(from, to);
        var diagnostic = Assert.Single(analysis.Diagnostics, d => d.Code == DiagnosticCodes.UnknownKey);
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        Assert.Equal(LineOf(from), diagnostic.Range.Start.Line);
        Assert.Contains($"Did you mean `{suggestion}`?", diagnostic.Message);
        Assert.Contains("TRL refuses keys it does not know", diagnostic.Message);
        var edit = Assert.Single(Assert.Single(Assert.Single(diagnostic.Fixes).Edits).Edits);
        Assert.Equal(Config, ConfigEditorTests.Apply(text, [edit]));
    }

    [Fact]
    public void An_optimizer_transformers_does_not_know_is_an_error_listing_the_allowed_names()
    {
        var (analysis, _) = Analyze("optim: adamw_torch_fused", "optim: adamw");
        var diagnostic = Assert.Single(analysis.Diagnostics, d => d.Code == DiagnosticCodes.NotAllowedValue);
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        Assert.Equal(LineOf("optim:"), diagnostic.Range.Start.Line);
        Assert.Contains("adamw_torch_fused", diagnostic.Message);
        Assert.Contains("adamw_bnb_8bit", diagnostic.Message);
    }

    [Fact]
    public void Load_in_4bit_and_load_in_8bit_together_are_refused_on_the_second()
    {
        var (analysis, _) = Analyze("lora_r: 16\n", "lora_r: 16\nload_in_4bit: true\nload_in_8bit: true\n");
        var refusal = Assert.Single(analysis.Diagnostics, d => d.Code == DiagnosticCodes.FrameworkRefuses);
        Assert.Equal(DiagnosticSeverity.Error, refusal.Severity);
        Assert.Equal(LineOf("lora_r") + 2, refusal.Range.Start.Line);
        Assert.Contains("8 bit and 4 bit", refusal.Message);
    }

    [Fact]
    public void A_quantized_base_without_use_peft_is_refused()
    {
        var (analysis, _) = Analyze("use_peft: true\n", "load_in_4bit: true\n");
        var refusal = Assert.Single(analysis.Diagnostics, d => d.Code == DiagnosticCodes.FrameworkRefuses);
        Assert.Equal(LineOf("use_peft"), refusal.Range.Start.Line);
        Assert.Contains("use_peft: true", refusal.Message);
    }

    [Theory]
    [InlineData("dtype: bfloat16", "torch_dtype: bfloat16", "torch_dtype", "dtype")]
    [InlineData("max_length: 2048", "max_seq_length: 2048", "max_seq_length", "max_length")]
    public void An_older_spelling_is_a_warning_whose_fix_renames_the_key(string from, string to, string old, string current)
    {
        var (analysis, text) = Analyze(from, to);
        var warning = Assert.Single(analysis.Diagnostics, d => d.Code == DiagnosticCodes.FrameworkWarns);
        Assert.Equal(DiagnosticSeverity.Warning, warning.Severity);
        Assert.Equal(LineOf(from), warning.Range.Start.Line);
        Assert.Contains($"`{old}` is the older spelling of `{current}`", warning.Message);
        // Still read as the current key: the plan is the same as with it.
        var (clean, _) = Analyze("", "");
        Assert.Equal(clean.Estimate!.Memory.PeakBytes, analysis.Estimate!.Memory.PeakBytes);
        var edit = Assert.Single(Assert.Single(Assert.Single(warning.Fixes).Edits).Edits);
        Assert.Equal(Config, ConfigEditorTests.Apply(text, [edit]));
    }

    [Fact]
    public void Overwrite_output_dir_is_a_warning_that_it_is_gone()
    {
        var (analysis, _) = Analyze("output_dir: data/llama-sft\n", "output_dir: data/llama-sft\noverwrite_output_dir: true\n");
        var warning = Assert.Single(analysis.Diagnostics, d => d.Code == DiagnosticCodes.FrameworkWarns);
        Assert.Equal(LineOf("output_dir") + 1, warning.Range.Start.Line);
        Assert.Contains("removed it from TrainingArguments", warning.Message);
    }
}
