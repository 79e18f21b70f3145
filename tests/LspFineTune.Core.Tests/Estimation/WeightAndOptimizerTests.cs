using LspFineTune.Core.Estimation;
using LspFineTune.Core.Planning;

namespace LspFineTune.Core.Tests.Estimation;

public class WeightAndOptimizerTests
{
    [Fact]
    public void LoRA_rank_8_on_q_and_v_of_Llama_2_7B_trains_4194304_parameters_as_PEFT_prints()
    {
        var plan = TestPlans.Catalog("llama-2-7b").WithLora(8, "q_proj", "v_proj");
        Assert.Equal(4_194_304, new ParameterBudget(plan).TrainableParameters);
    }

    [Fact]
    public void LoRA_rank_16_on_all_linear_layers_of_Llama_2_7B_trains_39976960_parameters()
    {
        // Hand-derived: per layer 16 x (4 x (4096 + 4096) + 2 x (4096 + 11008) + (11008 + 4096)) = 1,249,280; x 32 layers.
        var plan = TestPlans.Catalog("llama-2-7b").WithLora(16);
        Assert.Equal(39_976_960, new ParameterBudget(plan).TrainableParameters);
    }

    [Fact]
    public void QLoRA_weights_are_nf4_block_linears_with_double_quantized_constants_plus_16_bit_rest()
    {
        var plan = TestPlans.Catalog("llama-2-7b").WithLora(8, "q_proj", "v_proj");
        plan = plan with { Model = plan.Model with { Quantization = Quantization.Nf4 } };
        var budget = new ParameterBudget(plan);
        var states = new ModelStateMemory(plan, budget);
        // Block linears of Llama-2-7B: 32 x (4 x 4096^2 + 3 x 4096 x 11008) = 6,476,005,376 weights.
        Assert.Equal(6_476_005_376, budget.BlockLinearWeights);
        // QLoRA paper §2: 4 bits + 0.127 bits of double-quantized constants per weight.
        var expected = 6_476_005_376 * (0.5 + 0.127 / 8) + (budget.BaseParameters - 6_476_005_376) * 2.0 + 4_194_304 * 4.0;
        Assert.Equal(expected, states.WeightBytes, expected * 1e-3);
    }

    [Fact]
    public void Eight_bit_AdamW_keeps_two_bytes_of_state_per_parameter()
    {
        var plan = TestPlans.Catalog("llama-2-7b") with { Optimizer = new OptimizerChoice { Type = OptimizerType.AdamW8bit } };
        var budget = new ParameterBudget(plan);
        Assert.Equal(2.0 * budget.TrainableParameters, OptimizerStateSize.Bytes(plan, budget), 0.01 * budget.TrainableParameters);
    }

    [Fact]
    public void Adafactor_keeps_factored_row_and_column_moments_for_matrices()
    {
        var plan = TestPlans.Catalog("gpt2") with { Optimizer = new OptimizerChoice { Type = OptimizerType.Adafactor } };
        var budget = new ParameterBudget(plan);
        var bytes = OptimizerStateSize.Bytes(plan, budget);
        // GPT-2: per layer c_attn 768x2304, attn.c_proj 768x768, c_fc 768x3072, mlp.c_proj 3072x768 factored (4(m+n) each),
        // biases 2304 + 768 + 3072 + 768 and 4 x 768 of LayerNorm in full; wte 50257x768 and wpe 1024x768 factored; final norm.
        double perLayer = 4 * ((768 + 2304) + (768 + 768) + (768 + 3072) + (3072 + 768)) + 4 * (2304 + 768 + 3072 + 768) + 4 * (4 * 768);
        var embeddings = 4.0 * ((50257 + 1024) + 768);
        var expected = 12 * perLayer + embeddings + 4 * 2 * 768;
        Assert.Equal(expected, bytes, expected * 0.02);
        Assert.True(bytes < 0.01 * 8 * budget.TrainableParameters, "Adafactor's state is a small fraction of AdamW's");
    }

    [Fact]
    public void AdaRankGrad_keeps_GaLore_low_rank_states_for_block_matrices()
    {
        var plan = TestPlans.Catalog("llama-2-7b") with { Optimizer = new OptimizerChoice { Type = OptimizerType.AdaRankGrad, AdaRankGrad = new AdaRankGradSettings { MaxRank = 128 } } };
        var budget = new ParameterBudget(plan);
        var bytes = OptimizerStateSize.Bytes(plan, budget);
        // GaLore Table 1: mr + 2nr per m x n matrix (m <= n). Per layer: 4 x (4096x128 + 2x4096x128) for attention,
        // 3 x (4096x128 + 2x11008x128) for the MLP; embeddings, head and norms keep AdamW's 8 B.
        double perLayer = 4 * (4096.0 * 128 + 2 * 4096.0 * 128) + 3 * (4096.0 * 128 + 2 * 11008.0 * 128);
        var others = budget.BaseParameters - budget.BlockLinearWeights;
        Assert.Equal(4 * 32 * perLayer + 8.0 * others, bytes, 1);
        Assert.True(bytes < 0.2 * 8 * budget.TrainableParameters);
    }

    [Fact]
    public void Zeroth_order_training_keeps_no_gradients_and_no_optimizer_state()
    {
        var plan = TestPlans.Catalog("llama-2-7b") with
        {
            Method = new MethodChoice { Type = FineTuneMethod.ZerothOrder },
            Optimizer = new OptimizerChoice { Type = OptimizerType.ZoSgd },
        };
        var estimate = MemoryModel.Estimate(plan);
        Assert.Equal(0, estimate.Term(MemoryTermNames.Gradients));
        Assert.Equal(0, estimate.Term(MemoryTermNames.OptimizerStates));
        Assert.Equal(0, estimate.Term(MemoryTermNames.OptimizerStepBuffers));
    }

    [Fact]
    public void SensZOQ_fine_tunes_Llama2_7B_in_under_8_GiB()
    {
        // Guo et al. 2024: 0.1% sensitive weights tuned by ZO-SGD, the rest 4-bit: Llama2-7B under 8 GiB (Figure 1).
        var plan = TestPlans.Catalog("llama-2-7b", "rtx-4090") with
        {
            Method = new MethodChoice { Type = FineTuneMethod.ZerothOrder, ZerothOrder = new ZerothOrderSettings { TrainableFraction = 0.001 } },
            Optimizer = new OptimizerChoice { Type = OptimizerType.ZoSgd },
        };
        plan = plan.WithTraining(microBatch: 16, sequence: 256);
        plan = plan with { Model = plan.Model with { Quantization = Quantization.Nf4 } };
        var estimate = MemoryModel.Estimate(plan);
        Assert.InRange(estimate.PeakBytes / ByteSizes.GiB, 3.0, 8.0);
    }

    [Fact]
    public void SensZOQ_in_the_bundled_trainer_peaks_while_choosing_its_mask_with_a_gradient_pass()
    {
        // lft-train chooses the mask before the first step: fp32 Fisher sums of all P weights (4P) while a backward
        // over the calibration batch holds what full fine-tuning's backward holds (its activations and loss buffers).
        // Measured (cpu-estimate-vs-measured.json, tiny model): RSS before training 281 MiB against 208 MiB for dense
        // MeZO, whose steps are forward only.
        TrainingPlan Zo(double fraction, string gpu) => TestPlans.Catalog("llama-2-7b", gpu).WithTraining(microBatch: 16, sequence: 2048) with
        {
            Method = new MethodChoice { Type = FineTuneMethod.ZerothOrder, ZerothOrder = new ZerothOrderSettings { TrainableFraction = fraction } },
            Optimizer = new OptimizerChoice { Type = OptimizerType.ZoSgd },
        };
        var sparse = MemoryModel.Estimate(Zo(0.01, "cpu"));
        var full = MemoryModel.Estimate(Zo(0.01, "cpu") with { Method = new MethodChoice { Type = FineTuneMethod.Full } });
        var parameters = new ParameterBudget(Zo(0.01, "cpu")).BaseParameters;
        var expected = 4.0 * parameters + full.Term(MemoryTermNames.Activations) + full.Term(MemoryTermNames.LogitsAndLoss);
        Assert.InRange(sparse.Term(MemoryTermNames.SensitivityPass), expected - 2, expected + 2); // each term is rounded to bytes
        Assert.Equal(0, sparse.Term(MemoryTermNames.Activations)); // the steps' forward-only buffers are smaller
        // Dense MeZO chooses no mask, and a GPU run may bring its mask from elsewhere.
        Assert.Equal(0, MemoryModel.Estimate(Zo(1.0, "cpu")).Term(MemoryTermNames.SensitivityPass));
        Assert.Equal(0, MemoryModel.Estimate(Zo(0.01, "a100-80gb")).Term(MemoryTermNames.SensitivityPass));
    }
}
