using LspFineTune.Core.Diagnostics;

namespace LspFineTune.Core.Tests.Dialects;

/// <summary>LLaMA-Factory's own refusals (parser.py, finetuning_args.py at ff6d4d1), before anything is launched.</summary>
public class LlamaFactoryRulesTests
{
    private const string Base = LlamaFactoryBindingTests.Base + "bf16: true\n";

    private static IReadOnlyList<Diagnostic> Refusals(string text, string? modeline = null) =>
        LlamaFactoryBindingTests.Analyze(text, modeline).Diagnostics.Where(d => d.Code == DiagnosticCodes.FrameworkRefuses).ToList();

    [Theory]
    [InlineData("finetuning_type: freeze\nquantization_bit: 8\n", "quantization_bit", "Quantization is only compatible")]
    [InlineData("finetuning_type: full\nadapter_name_or_path: saves/lora\n", "adapter_name_or_path", "Adapter is only valid for the LoRA method.")]
    [InlineData("pure_bf16: true\ndeepspeed: examples/deepspeed/ds_z3_config.json\n", "pure_bf16", "`pure_bf16` is incompatible with DeepSpeed ZeRO-3.")]
    [InlineData("finetuning_type: full\nuse_galore: true\ndeepspeed: examples/deepspeed/ds_z2_config.json\n", "use_galore", "GaLore and APOLLO are incompatible with DeepSpeed yet.")]
    [InlineData("use_galore: true\n", "use_galore", "Cannot use LoRA with GaLore, APOLLO or BAdam together.")]
    [InlineData("neat_packing: true\n", "neat_packing", "cannot be set as True except SFT")]
    [InlineData("fp8: true\nquantization_bit: 4\n", "fp8", "FP8 training is not compatible with quantization.")]
    [InlineData("streaming: true\n", "streaming", "Please specify `max_steps` in streaming mode.")]
    [InlineData("finetuning_type: full\nuse_dora: true\n", "use_dora", "`use_dora` is only valid for LoRA training.")]
    [InlineData("infer_backend: vllm\n", "infer_backend", "vLLM/SGLang backend is only available for API, CLI and Web.")]
    public void A_combination_LLaMA_Factory_refuses_is_an_error_on_the_key(string extra, string key, string words)
    {
        var text = extra.StartsWith("neat_packing", StringComparison.Ordinal) ? Base.Replace("stage: sft", "stage: dpo") + extra : Base + extra;
        var refusal = Assert.Single(Refusals(text));
        Assert.Equal(DiagnosticSeverity.Error, refusal.Severity);
        Assert.Contains(words, refusal.Message);
        Assert.Equal(text.Split('\n').ToList().FindIndex(l => l.StartsWith(key + ":", StringComparison.Ordinal)), refusal.Range.Start.Line);
    }

    [Fact]
    public void Ppo_needs_a_reward_model()
    {
        var refusal = Assert.Single(Refusals(Base.Replace("stage: sft", "stage: ppo")));
        Assert.Contains("`reward_model` is necessary for PPO training.", refusal.Message);
    }

    [Fact]
    public void Layer_wise_GaLore_is_refused_only_on_more_than_one_GPU()
    {
        const string galore = "finetuning_type: full\nuse_galore: true\ngalore_layerwise: true\npure_bf16: true\n";
        Assert.Empty(Refusals(Base + galore, "# lft: gpu=h100-sxm gpus_per_node=1"));
        Assert.Contains("layer-wise GaLore", Assert.Single(Refusals(Base + galore, "# lft: gpu=h100-sxm gpus_per_node=2")).Message);
    }

    [Fact]
    public void DeepSpeed_on_one_stated_GPU_warns_that_it_needs_FORCE_TORCHRUN()
    {
        var text = Base + "deepspeed: examples/deepspeed/ds_z2_config.json\n";
        Assert.DoesNotContain(LlamaFactoryBindingTests.Analyze(text).Diagnostics, d => d.Message.Contains("FORCE_TORCHRUN", StringComparison.Ordinal));
        var warning = Assert.Single(LlamaFactoryBindingTests.Analyze(text, "# lft: gpu=h100-sxm gpus_per_node=1").Diagnostics, d => d.Message.Contains("FORCE_TORCHRUN", StringComparison.Ordinal));
        Assert.Equal(DiagnosticCodes.FrameworkWarns, warning.Code);
    }

    [Fact]
    public void A_valid_QLoRA_config_is_not_refused() =>
        Assert.Empty(Refusals(Base + "quantization_bit: 4\nuse_unsloth: true\ndeepspeed: examples/deepspeed/ds_z2_config.json\n"));
}
