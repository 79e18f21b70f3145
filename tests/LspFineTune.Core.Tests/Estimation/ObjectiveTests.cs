using LspFineTune.Core.Estimation;
using LspFineTune.Core.Planning;

namespace LspFineTune.Core.Tests.Estimation;

/// <summary>Preference and RL objectives: reference model, pairs, reward head, generation; each against a hand-derived figure.</summary>
public class ObjectiveTests
{
    private static TrainingPlan With(TrainingPlan plan, ObjectiveChoice objective) => plan with { Objective = objective };

    [Fact]
    public void Full_DPO_of_Llama_2_7B_keeps_a_frozen_bf16_reference_copy_of_13_48_GB()
    {
        // Llama-2-7B has 6,738,415,616 parameters (the published count); a bf16 copy is 2 B each = 13,476,831,232 B.
        var plan = With(TestPlans.Catalog("llama-2-7b"), new ObjectiveChoice { Type = TrainingObjective.Dpo });
        var estimate = MemoryModel.Estimate(plan);
        Assert.Equal(13_476_831_232, estimate.Term(MemoryTermNames.ReferenceModel));
        Assert.Equal(estimate.Terms.Sum(t => t.Bytes), estimate.PeakBytes);
    }

    [Fact]
    public void ZeRO_3_shards_the_reference_copy_like_the_policy()
    {
        var plan = With(TestPlans.Catalog("llama-2-7b", gpusPerNode: 8).WithZero(3), new ObjectiveChoice { Type = TrainingObjective.Dpo });
        Assert.Equal(13_476_831_232 / 8, MemoryModel.Estimate(plan).Term(MemoryTermNames.ReferenceModel));
    }

    [Fact]
    public void A_LoRA_policy_uses_its_adapter_disabled_base_as_reference_so_no_copy_but_an_extra_forward()
    {
        var plan = With(TestPlans.Catalog("llama-2-7b").WithLora(8, "q_proj", "v_proj").WithTraining(2, 1024), new ObjectiveChoice { Type = TrainingObjective.Dpo });
        var budget = new ParameterBudget(plan);
        Assert.Equal(0, MemoryModel.Estimate(plan, budget).Term(MemoryTermNames.ReferenceModel));
        var runtime = RuntimeModel.Estimate(plan, budget);
        var reference = Assert.Single(runtime.Terms, t => t.Name == "reference_forward");
        // 2 examples x 2 sequences (chosen, rejected) x 1,024 tokens, 2 FLOPs per matmul weight and attention per token.
        var expected = 4 * 1024 * ObjectiveRuntime.ForwardFlopsPerToken(plan, budget, 1024) / runtime.AssumedFlopsPerSecond;
        Assert.Equal(expected, reference.Seconds, 1e-9);
    }

    [Fact]
    public void Precomputed_reference_log_probs_need_neither_a_copy_nor_a_forward()
    {
        var plan = With(TestPlans.Catalog("llama-2-7b"), new ObjectiveChoice { Type = TrainingObjective.Dpo, PrecomputeReferenceLogProbs = true });
        var budget = new ParameterBudget(plan);
        Assert.Equal(0, MemoryModel.Estimate(plan, budget).Term(MemoryTermNames.ReferenceModel));
        Assert.DoesNotContain(RuntimeModel.Estimate(plan, budget).Terms, t => t.Name == "reference_forward");
    }

    [Fact]
    public void A_DPO_pair_forwards_chosen_and_rejected_so_activations_and_logits_are_those_of_twice_the_batch()
    {
        var sft = TestPlans.Catalog("llama-2-7b").WithLora(16).WithTraining(4, 1024);
        var dpo = With(TestPlans.Catalog("llama-2-7b").WithLora(16).WithTraining(2, 1024), new ObjectiveChoice { Type = TrainingObjective.Dpo });
        var a = MemoryModel.Estimate(sft);
        var b = MemoryModel.Estimate(dpo);
        Assert.Equal(a.Term(MemoryTermNames.Activations), b.Term(MemoryTermNames.Activations));
        Assert.Equal(a.Term(MemoryTermNames.LogitsAndLoss), b.Term(MemoryTermNames.LogitsAndLoss));
    }

    [Fact]
    public void ORPO_has_no_reference_model_even_in_full_fine_tuning()
    {
        var plan = With(TestPlans.Catalog("llama-2-7b"), new ObjectiveChoice { Type = TrainingObjective.Orpo });
        Assert.Equal(0, MemoryModel.Estimate(plan).Term(MemoryTermNames.ReferenceModel));
    }

    [Fact]
    public void A_reward_model_has_a_score_head_instead_of_the_LM_head_and_no_vocabulary_logits()
    {
        // Llama-2-7B's untied lm_head is 32,000 x 4,096 = 131,072,000 weights; the score head is 4,096 x 1.
        var sft = TestPlans.Catalog("llama-2-7b").WithTraining(1, 2048);
        var reward = With(sft, new ObjectiveChoice { Type = TrainingObjective.Reward });
        Assert.Equal(new ParameterBudget(sft).BaseParameters - 131_072_000 + 4_096, new ParameterBudget(reward).BaseParameters);
        // Scores for chosen and rejected: 8 B x (1 x 2) x 2,048 x 1 = 32,768 B, where the LM head's logits would be 12 B x b s V.
        Assert.Equal(32_768, MemoryModel.Estimate(reward).Term(MemoryTermNames.LogitsAndLoss));
    }

    [Fact]
    public void GRPO_with_beta_0_loads_no_reference_and_with_beta_above_0_a_copy()
    {
        var plan = TestPlans.Catalog("llama-2-7b");
        Assert.Equal(0, MemoryModel.Estimate(With(plan, new ObjectiveChoice { Type = TrainingObjective.Grpo, Beta = 0 })).Term(MemoryTermNames.ReferenceModel));
        Assert.Equal(13_476_831_232, MemoryModel.Estimate(With(plan, new ObjectiveChoice { Type = TrainingObjective.Grpo, Beta = 0.04 })).Term(MemoryTermNames.ReferenceModel));
    }

    [Fact]
    public void The_KV_cache_of_Qwen2_5_7B_is_57344_bytes_per_token()
    {
        // 28 blocks x 2 (K and V) x 4 kv heads x 128 head dim x 2 B (bf16) = 57,344 B per token; 8 sequences of
        // 512 + 512 tokens: 8 x 1,024 x 57,344 = 469,762,048 B.
        var plan = TestPlans.Catalog("qwen2.5-7b");
        Assert.Equal(57_344, ObjectiveMemory.KvCacheBytes(plan, 1, 1));
        Assert.Equal(469_762_048, ObjectiveMemory.KvCacheBytes(plan, 8, 1024));
    }

    [Fact]
    public void Generation_counts_only_when_its_KV_cache_is_larger_than_the_training_steps_activations()
    {
        var small = With(TestPlans.Catalog("qwen2.5-7b").WithLora(16).WithTraining(1, 1024, checkpointing: true),
            new ObjectiveChoice { Type = TrainingObjective.Grpo, Beta = 0, Generation = new GenerationSettings { SequencesPerGpu = 1, PromptLength = 512, MaxCompletionLength = 512 } });
        Assert.Equal(0, MemoryModel.Estimate(small).Term(MemoryTermNames.Generation));

        // 256 sequences x 1,024 tokens x 57,344 B = 15,032,385,536 B: more than one sequence's activations and logits.
        var large = small with { Objective = small.Objective with { Generation = small.Objective.Generation with { SequencesPerGpu = 256 } } };
        var estimate = MemoryModel.Estimate(large);
        Assert.Equal(15_032_385_536, estimate.Term(MemoryTermNames.Generation));
        Assert.Equal(0, estimate.Term(MemoryTermNames.Activations));
        Assert.Equal(0, estimate.Term(MemoryTermNames.LogitsAndLoss));
    }

    [Fact]
    public void A_colocated_vLLM_reserves_its_share_of_the_GPU_through_the_step_and_a_server_takes_none()
    {
        var plan = TestPlans.Catalog("qwen2.5-7b").WithLora(16);
        var colocate = With(plan, new ObjectiveChoice { Type = TrainingObjective.Grpo, Beta = 0, Generation = new GenerationSettings { Engine = GenerationEngine.VllmColocate, VllmGpuMemoryUtilization = 0.3 } });
        var estimate = MemoryModel.Estimate(colocate);
        Assert.Equal((long)Math.Round(0.3 * plan.Hardware.Gpu.UsableMemoryBytes), estimate.Term(MemoryTermNames.Generation));
        Assert.True(estimate.Term(MemoryTermNames.Activations) > 0);
        var server = colocate with { Objective = colocate.Objective with { Generation = colocate.Objective.Generation with { Engine = GenerationEngine.VllmServer } } };
        Assert.Equal(0, MemoryModel.Estimate(server).Term(MemoryTermNames.Generation));
    }

    [Fact]
    public void Decoding_reads_the_weights_once_per_generated_token()
    {
        // Qwen2.5-7B in bf16: budget.BaseParameters x 2 B (about 15.2 GB) read per decoding step at 80% of the A100's
        // 2,039 GB/s: about 9.3 ms per token, so 512 completion tokens take at least 4.8 s (the KV reads and the prefill add).
        var plan = With(TestPlans.Catalog("qwen2.5-7b").WithTraining(1, 1024),
            new ObjectiveChoice { Type = TrainingObjective.Grpo, Beta = 0, Generation = new GenerationSettings { SequencesPerGpu = 1, PromptLength = 512, MaxCompletionLength = 512 } });
        var budget = new ParameterBudget(plan);
        var generation = Assert.Single(RuntimeModel.Estimate(plan, budget).Terms, t => t.Name == "generation");
        var weightsOnly = 512 * budget.BaseParameters * 2.0 / (plan.Hardware.Gpu.MemoryBandwidthGBps * 1e9 * RuntimeModel.BandwidthEfficiency);
        Assert.InRange(generation.Seconds, weightsOnly, weightsOnly * 1.15);
    }

    [Fact]
    public void PPO_with_a_separate_reward_and_value_model_holds_a_frozen_copy_and_a_fully_trained_one()
    {
        // Full PPO of Llama-2-7B: reward copy 2 B x 6,738,415,616; value model 2 (weights) + 2 (gradients) + 12 (fp32
        // master, m, v) + 4 (fp32 gradient copy) = 20 B per parameter.
        var plan = With(TestPlans.Catalog("llama-2-7b"), new ObjectiveChoice { Type = TrainingObjective.Ppo });
        Assert.Equal(6_738_415_616L * 22, MemoryModel.Estimate(plan).Term(MemoryTermNames.RewardAndValueModels));
    }
}
