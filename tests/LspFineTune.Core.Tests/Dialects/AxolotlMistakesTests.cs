using LspFineTune.Core.Diagnostics;

namespace LspFineTune.Core.Tests.Dialects;

/// <summary>Realistic mistakes in axolotl files: an error on the mistake's own line, with the right did-you-mean and its fix.</summary>
public class AxolotlMistakesTests
{
    private const string Config = """
        base_model: meta-llama/Llama-3.2-1B
        datasets:
          - path: mhenrichsen/alpaca_2k_test
            type: alpaca
        adapter: lora
        lora_r: 16
        lora_alpha: 32
        sequence_len: 2048
        micro_batch_size: 2
        gradient_accumulation_steps: 4
        optimizer: adamw_bnb_8bit
        learning_rate: 0.0002
        bf16: auto
        gradient_checkpointing: true

        """;

    private static Diagnostic Single(string from, string to, string code)
    {
        using var files = new DialectTestFiles();
        files.Write("config.yml", Config.Replace(from, to));
        var analysis = files.Analyze("config.yml");
        Assert.Equal("axolotl", analysis.Dialect?.Id);
        return Assert.Single(analysis.Diagnostics, d => d.Code == code);
    }

    private static int LineOf(string text) => Config.Split('\n').ToList().FindIndex(l => l.StartsWith(text, StringComparison.Ordinal));

    [Theory]
    [InlineData("micro_batch_size: 2", "micro_batchsize: 2", "micro_batch_size")]
    [InlineData("gradient_checkpointing: true", "gradient_checkpoint: true", "gradient_checkpointing")]
    [InlineData("learning_rate: 0.0002", "learning_rat: 0.0002", "learning_rate")]
    public void A_misspelt_key_is_an_error_with_its_did_you_mean(string from, string to, string suggestion)
    {
        var diagnostic = Single(from, to, DiagnosticCodes.UnknownKey);
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        Assert.Equal(LineOf(from), diagnostic.Range.Start.Line);
        Assert.Contains($"Did you mean `{suggestion}`?", diagnostic.Message);
        Assert.Contains("ignores keys it does not know", diagnostic.Message);
        var fix = Assert.Single(diagnostic.Fixes);
        Assert.Equal(suggestion, Assert.Single(Assert.Single(fix.Edits).Edits).NewText);
    }

    [Theory]
    [InlineData("optimizer: adamw_bnb_8bit", "optimizer: adamw_bnb_8bitt", "adamw_bnb_8bit")]
    [InlineData("adapter: lora", "adapter: lorra", "lora")]
    [InlineData("bf16: auto", "bf16: autto", "auto")]
    public void A_misspelt_value_is_an_error_with_its_did_you_mean(string from, string to, string suggestion)
    {
        var diagnostic = Single(from, to, DiagnosticCodes.NotAllowedValue);
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        Assert.Equal(LineOf(from), diagnostic.Range.Start.Line);
        Assert.Equal(suggestion, diagnostic.Data["suggestion"]);
        Assert.Equal(suggestion, Assert.Single(Assert.Single(diagnostic.Fixes).Edits).Edits[0].NewText);
    }

    [Fact]
    public void A_refused_short_name_gets_the_name_axolotl_asks_for()
    {
        var diagnostic = Single("gradient_checkpointing: true", "gradient_checkpointing: true\nattn_implementation: flash", DiagnosticCodes.NotAllowedValue);
        Assert.Equal("flash_attention_2", diagnostic.Data["suggestion"]);
    }

    [Fact]
    public void A_wrong_type_is_an_error_at_the_value()
    {
        var diagnostic = Single("micro_batch_size: 2", "micro_batch_size: four", DiagnosticCodes.WrongType);
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        Assert.Equal((LineOf("micro_batch_size"), 18), (diagnostic.Range.Start.Line, diagnostic.Range.Start.Character));
    }

    [Fact]
    public void An_impossible_value_is_an_error()
    {
        var diagnostic = Single("lora_r: 16", "lora_r: -1", DiagnosticCodes.OutOfRange);
        Assert.Equal(LineOf("lora_r"), diagnostic.Range.Start.Line);
    }

    [Fact]
    public void A_key_axolotl_does_not_know_and_nothing_resembles_is_a_warning_that_it_has_no_effect()
    {
        var diagnostic = Single("bf16: auto", "bf16: auto\nmy_experiment_tag: run-7", DiagnosticCodes.UnknownKey);
        Assert.Equal(DiagnosticSeverity.Warning, diagnostic.Severity);
        Assert.Contains("has no effect", diagnostic.Message);
    }

    [Fact]
    public void A_deprecated_key_is_a_warning_with_a_fix_that_writes_its_replacement()
    {
        var diagnostic = Single("bf16: auto", "bf16: auto\nflash_attention: true", DiagnosticCodes.DeprecatedKey);
        Assert.Equal(DiagnosticSeverity.Warning, diagnostic.Severity);
        Assert.Equal("attn_implementation: flash_attention_2", Assert.Single(diagnostic.Fixes).Edits[0].Edits[0].NewText);
    }

    [Fact]
    public void A_removed_key_is_refused_with_what_replaced_it()
    {
        var diagnostic = Single("bf16: auto", "bf16: auto\nunsloth_lora_mlp: true", DiagnosticCodes.RemovedKey);
        Assert.Equal(DiagnosticSeverity.Error, diagnostic.Severity);
        Assert.Contains("lora_mlp_kernel", diagnostic.Message);
    }
}
