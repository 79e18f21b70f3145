using LspFineTune.Core.Diagnostics;

namespace LspFineTune.Core.Tests.Dialects;

/// <summary>axolotl's own refusals (validation.py, peft.py), before anything is launched.</summary>
public class AxolotlRulesTests
{
    private const string Base = "base_model: meta-llama/Llama-3.2-1B\nsequence_len: 2048\nmicro_batch_size: 1\ngradient_accumulation_steps: 1\n";

    private static IReadOnlyList<Diagnostic> Refusals(string extra)
    {
        using var files = new DialectTestFiles();
        files.Write("config.yml", Base + extra);
        return files.Analyze("config.yml").Diagnostics.Where(d => d.Code == DiagnosticCodes.FrameworkRefuses).ToList();
    }

    [Theory]
    [InlineData("load_in_4bit: true\n", "load_in_4bit", "without an adapter")]
    [InlineData("adapter: qlora\n", "adapter", "without `load_in_4bit: true`")]
    [InlineData("activation_offloading: true\n", "activation_offloading", "without `gradient_checkpointing`")]
    [InlineData("deepspeed: deepspeed_configs/zero2.json\nfsdp_config:\n  offload_params: true\n", "deepspeed", "DeepSpeed and FSDP together")]
    [InlineData("sample_packing: true\nrl: dpo\n", "sample_packing", "preference")]
    [InlineData("batch_size: 8\n", "batch_size", "only one of gradient_accumulation_steps or batch_size")]
    [InlineData("attn_implementation: sdpa\nflash_attention: true\n", "flash_attention", "together with `attn_implementation`")]
    public void A_combination_axolotl_refuses_is_an_error_on_the_key(string extra, string key, string words)
    {
        var refusal = Assert.Single(Refusals(extra));
        Assert.Equal(DiagnosticSeverity.Error, refusal.Severity);
        Assert.Contains(words, refusal.Message);
        var line = (Base + extra).Split('\n').ToList().FindIndex(l => l.StartsWith(key + ":", StringComparison.Ordinal));
        Assert.Equal(line, refusal.Range.Start.Line);
    }

    [Fact]
    public void A_valid_combination_is_not_refused()
    {
        Assert.Empty(Refusals("adapter: qlora\nload_in_4bit: true\ngradient_checkpointing: true\nactivation_offloading: true\n"));
    }
}
