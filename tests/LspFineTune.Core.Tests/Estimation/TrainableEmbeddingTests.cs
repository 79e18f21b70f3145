using LspFineTune.Core.Estimation;
using LspFineTune.Core.Planning;

namespace LspFineTune.Core.Tests.Estimation;

/// <summary>PEFT's modules_to_save copies and DoRA's magnitudes, activations and runtime.</summary>
public class TrainableEmbeddingTests
{
    private static TrainingPlan Lora(string model, LoraSettings lora) =>
        // Two micro-batches per step, so the gradients outlive one and are alive at the peak with the states.
        TestPlans.Catalog(model) with { Method = new MethodChoice { Type = FineTuneMethod.Lora, Lora = lora }, Training = new TrainingChoice { GradientAccumulationSteps = 2 } };

    [Fact]
    public void Qwen2_5_7B_embed_tokens_as_modules_to_save_adds_8_bytes_per_weight_in_bf16()
    {
        // embed_tokens is 152,064 x 3,584 = 544,997,376 weights. The trainable copy (bf16, 2 B), its gradient (2 B) and
        // torch AdamW's two moments in the copy's dtype (2 x 2 B): 8 B per weight = 4,359,979,008 B more than LoRA alone.
        var plain = Lora("qwen2.5-7b", new LoraSettings { Rank = 16, AllLinear = true });
        var saved = Lora("qwen2.5-7b", new LoraSettings { Rank = 16, AllLinear = true, ModulesToSave = ["embed_tokens"] });
        Assert.Equal(544_997_376, new ParameterBudget(saved).SavedModuleParameters);
        var a = MemoryModel.Estimate(plain);
        var b = MemoryModel.Estimate(saved);
        long States(MemoryEstimate e) => e.Term(MemoryTermNames.Weights) + e.Term(MemoryTermNames.Gradients) + e.Term(MemoryTermNames.OptimizerStates);
        Assert.InRange(States(b) - States(a), 4_359_979_008 - 2, 4_359_979_008 + 2);
        Assert.Equal(a.Term(MemoryTermNames.Activations), b.Term(MemoryTermNames.Activations));
    }

    [Fact]
    public void LLaMA_Factory_upcasts_the_copy_to_fp32_so_16_bytes_per_weight()
    {
        // fp32 copy 4 B + gradient 4 B + AdamW moments 2 x 4 B = 16 B x 544,997,376 = 8,719,958,016 B.
        var plain = Lora("qwen2.5-7b", new LoraSettings { Rank = 16, AllLinear = true });
        var saved = Lora("qwen2.5-7b", new LoraSettings { Rank = 16, AllLinear = true, ModulesToSave = ["embed_tokens"], SavedModulesFp32 = true });
        long States(MemoryEstimate e) => e.Term(MemoryTermNames.Weights) + e.Term(MemoryTermNames.Gradients) + e.Term(MemoryTermNames.OptimizerStates);
        Assert.InRange(States(MemoryModel.Estimate(saved)) - States(MemoryModel.Estimate(plain)), 8_719_958_016 - 2, 8_719_958_016 + 2);
    }

    [Fact]
    public void Tied_embed_tokens_and_lm_head_are_two_copies_once_PEFT_wraps_both()
    {
        // Qwen2.5-0.5B ties lm_head to embed_tokens (151,936 x 896 = 136,134,656); deepcopy unties them: 2 copies.
        var saved = Lora("qwen2.5-0.5b", new LoraSettings { Rank = 16, AllLinear = true, ModulesToSave = ["embed_tokens", "lm_head"] });
        Assert.Equal(2 * 136_134_656L, new ParameterBudget(saved).SavedModuleParameters);
    }

    [Fact]
    public void DoRA_adds_one_magnitude_per_output_row_of_each_adapted_linear()
    {
        // Llama-2-7B, r = 8 on q_proj and v_proj: 4,194,304 LoRA weights + 32 layers x 2 x 4,096 magnitudes = 4,456,448.
        var dora = Lora("llama-2-7b", new LoraSettings { Rank = 8, TargetModules = ["q_proj", "v_proj"], UseDora = true });
        Assert.Equal(4_456_448, new ParameterBudget(dora).TrainableParameters);
    }

    [Fact]
    public void DoRA_saves_the_base_and_LoRA_results_of_each_adapted_linear()
    {
        // Per block: 2 adapted linears x 2 saved tensors x 4,096 outputs x 2 B = 32,768 B per token more than LoRA.
        var lora = Lora("llama-2-7b", new LoraSettings { Rank = 8, TargetModules = ["q_proj", "v_proj"], Dropout = 0 });
        var dora = lora with { Method = lora.Method with { Lora = lora.Method.Lora with { UseDora = true } } };
        var a = new ActivationMemory(lora, new ParameterBudget(lora));
        var b = new ActivationMemory(dora, new ParameterBudget(dora));
        Assert.Equal(32_768, b.LayerBytesPerToken - a.LayerBytesPerToken, 6);
    }

    [Fact]
    public void DoRA_pays_a_weight_norm_per_forward()
    {
        var dora = Lora("llama-2-7b", new LoraSettings { Rank = 8, TargetModules = ["q_proj", "v_proj"], UseDora = true });
        Assert.Contains(RuntimeModel.Estimate(dora, new ParameterBudget(dora)).Terms, t => t.Name == "dora_weight_norm" && t.Seconds > 0);
    }
}
