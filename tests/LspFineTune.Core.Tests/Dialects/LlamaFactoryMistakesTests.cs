using LspFineTune.Core.Diagnostics;

namespace LspFineTune.Core.Tests.Dialects;

/// <summary>Realistic mistakes in LLaMA-Factory files: an error on the mistake's own line (its argument parser refuses
/// unknown keys), with the right did-you-mean and its fix, and its own refusals before launch.</summary>
public class LlamaFactoryMistakesTests
{
    private const string Config = """
        ### model
        model_name_or_path: meta-llama/Llama-3.2-1B
        trust_remote_code: true

        ### method
        stage: sft
        do_train: true
        finetuning_type: lora
        lora_rank: 8
        lora_target: all

        ### dataset
        dataset: identity,alpaca_en_demo
        template: llama3
        cutoff_len: 2048

        ### train
        per_device_train_batch_size: 1
        gradient_accumulation_steps: 8
        learning_rate: 1.0e-4
        num_train_epochs: 3.0
        bf16: true
        flash_attn: auto

        """;

    private static IReadOnlyList<Diagnostic> Diagnostics(string from, string to, string? modeline = null)
    {
        Assert.Contains(from, Config);
        using var files = new DialectTestFiles();
        files.Write("config.yaml", (modeline is null ? "" : modeline + "\n") + Config.Replace(from, to));
        var analysis = files.Analyze("config.yaml");
        Assert.Equal("llamafactory", analysis.Dialect?.Id);
        return analysis.Diagnostics;
    }

    private static int LineOf(string text, string? config = null) =>
        (config ?? Config).Split('\n').ToList().FindIndex(l => l.StartsWith(text, StringComparison.Ordinal));

    [Theory]
    [InlineData("lora_rank: 8", "lora_rnak: 8", "lora_rank")]
    [InlineData("per_device_train_batch_size: 1", "per_device_train_bach_size: 1", "per_device_train_batch_size")]
    [InlineData("cutoff_len: 2048", "cutof_len: 2048", "cutoff_len")]
    [InlineData("gradient_accumulation_steps: 8", "gradient_acumulation_steps: 8", "gradient_accumulation_steps")]
    public void A_misspelt_key_is_an_error_with_its_did_you_mean(string from, string to, string suggestion)
    {
        var diagnostic = Assert.Single(Diagnostics(from, to), d => d.Code == DiagnosticCodes.UnknownKey);
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        Assert.Equal(LineOf(from), diagnostic.Range.Start.Line);
        Assert.Contains($"Did you mean `{suggestion}`?", diagnostic.Message);
        Assert.Contains("HfArgumentParser", diagnostic.Message);
        var fix = Assert.Single(diagnostic.Fixes);
        Assert.Equal(suggestion, Assert.Single(Assert.Single(fix.Edits).Edits).NewText);
    }

    [Fact]
    public void A_key_nothing_resembles_is_still_an_error_since_the_parser_refuses_it()
    {
        var diagnostic = Assert.Single(Diagnostics("flash_attn: auto", "flash_attn: auto\nmy_experiment_tag: run-7"), d => d.Code == DiagnosticCodes.UnknownKey);
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        Assert.Contains("ALLOW_EXTRA_ARGS", diagnostic.Message);
    }

    [Theory]
    [InlineData("finetuning_type: lora", "finetuning_type: qlora", "lora")]
    [InlineData("stage: sft", "stage: sfft", "sft")]
    [InlineData("flash_attn: auto", "flash_attn: fa", "fa2")]
    public void A_wrong_value_is_an_error_with_the_allowed_ones(string from, string to, string suggestion)
    {
        var diagnostic = Assert.Single(Diagnostics(from, to), d => d.Code == DiagnosticCodes.NotAllowedValue);
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        Assert.Equal(LineOf(from), diagnostic.Range.Start.Line);
        Assert.Contains("must be one of", diagnostic.Message);
        Assert.Equal(suggestion, diagnostic.Data["suggestion"]);
    }

    [Fact]
    public void Dpo_with_a_4_bit_base_and_full_tuning_is_refused_on_quantization_bit_with_one_error()
    {
        var text = Config.Replace("stage: sft", "stage: dpo").Replace("finetuning_type: lora", "finetuning_type: full\nquantization_bit: 4");
        using var files = new DialectTestFiles();
        files.Write("config.yaml", text);
        var analysis = files.Analyze("config.yaml");
        var refusal = Assert.Single(analysis.Diagnostics, d => d.Severity == DiagnosticSeverity.Error);
        Assert.Equal(DiagnosticCodes.FrameworkRefuses, refusal.Code);
        Assert.Contains("Quantization is only compatible with the LoRA or OFT method.", refusal.Message);
        Assert.Equal(LineOf("quantization_bit", text), refusal.Range.Start.Line);
        // The estimate is of the unquantized run, with its reference copy.
        Assert.Equal(Core.Planning.Quantization.None, analysis.Plan!.Model.Quantization);
        Assert.Equal(Core.Planning.ReferenceSource.Copy, analysis.Plan.Objective.Reference(analysis.Plan.Method.Type));

        // Its fix trains a LoRA adapter on the 4-bit base, and reaches the estimate it promises.
        var fix = Assert.Single(refusal.Fixes);
        var fixedText = Editing.ConfigEditorTests.Apply(text, Assert.Single(fix.Edits).Edits);
        Assert.Contains("finetuning_type: lora\n", fixedText);
        files.Write("config.yaml", fixedText);
        var after = files.Analyze("config.yaml");
        Assert.DoesNotContain(after.Diagnostics, d => d.Severity == DiagnosticSeverity.Error);
        Assert.Equal((Core.Planning.FineTuneMethod.Lora, Core.Planning.Quantization.Nf4), (after.Plan!.Method.Type, after.Plan.Model.Quantization));
        Assert.Equal(fix.Result!.Memory.PeakBytes, after.Estimate!.Memory.PeakBytes);
    }

    [Fact]
    public void Unsloth_with_a_ZeRO_3_preset_is_refused_on_use_unsloth()
    {
        var diagnostics = Diagnostics("flash_attn: auto", "flash_attn: auto\nuse_unsloth: true\ndeepspeed: examples/deepspeed/ds_z3_config.json");
        var refusal = Assert.Single(diagnostics, d => d.Code == DiagnosticCodes.FrameworkRefuses);
        Assert.Contains("Unsloth is incompatible with DeepSpeed ZeRO-3.", refusal.Message);
        Assert.Equal(LineOf("flash_attn") + 1, refusal.Range.Start.Line);
    }

    [Fact]
    public void A_dpo_config_with_all_three_mistakes_reports_each_on_its_line()
    {
        var text = Config.Replace("stage: sft", "stage: dpo").Replace("finetuning_type: lora", "finetuning_type: full\nquantization_bit: 4").Replace("lora_rank: 8", "lora_rnak: 8");
        using var files = new DialectTestFiles();
        files.Write("config.yaml", text);
        var errors = files.Analyze("config.yaml").Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        Assert.Equal([LineOf("quantization_bit", text), LineOf("lora_rnak", text)], errors.Select(e => e.Range.Start.Line));
    }
}
