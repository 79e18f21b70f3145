using LspFineTune.Core.Dialects;
using LspFineTune.Core.Planning;

namespace LspFineTune.Core.Tests.Dialects;

/// <summary>axolotl keys bound to the plan with axolotl's own defaults and rules, and where each value came from.</summary>
public class AxolotlBindingTests
{
    private const string Base = "base_model: meta-llama/Llama-3.2-1B\nsequence_len: 4096\n";

    internal static ConfigAnalysis Analyze(string extra, string? modeline = null)
    {
        using var files = new DialectTestFiles();
        files.Write("config.yml", (modeline is null ? "" : modeline + "\n") + Base + extra);
        return files.Analyze("config.yml");
    }

    private static TrainingPlan Plan(string extra, string? modeline = null) => Analyze(extra, modeline).Plan!;

    [Fact]
    public void QLoRA_is_LoRA_on_a_4_bit_base_with_axolotls_adapter_settings()
    {
        var plan = Plan("adapter: qlora\nload_in_4bit: true\nlora_r: 32\nlora_alpha: 16\nlora_target_linear: true\nmicro_batch_size: 2\n");
        Assert.Equal((FineTuneMethod.Lora, Quantization.Nf4), (plan.Method.Type, plan.Model.Quantization));
        Assert.Equal((32, 16.0, true), (plan.Method.Lora.Rank, plan.Method.Lora.Alpha, plan.Method.Lora.AllLinear));
        Assert.Equal(0.0, plan.Method.Lora.Dropout);
    }

    [Fact]
    public void A_regex_target_selects_the_layers_PEFT_would_match_by_full_name()
    {
        var plan = Plan("adapter: lora\nlora_target_modules: 'model.layers.*.self_attn.(q|k|v)_proj'\n");
        Assert.Equal(["k_proj", "q_proj", "v_proj"], plan.Method.Lora.TargetModules.Order());
    }

    [Theory]
    [InlineData("", "a100-80gb", WeightDtype.Bf16)]
    [InlineData("", "v100-32gb", WeightDtype.Fp16)]
    [InlineData("fp16: false\n", "v100-32gb", WeightDtype.Fp32)]
    [InlineData("bf16: false\nfp16: true\n", "a100-80gb", WeightDtype.Fp16)]
    [InlineData("bf16: true\n", "a100-80gb", WeightDtype.Bf16)]
    public void Bf16_auto_follows_the_GPU_as_axolotl_resolves_it(string keys, string gpu, WeightDtype dtype) =>
        Assert.Equal(dtype, Plan(keys, $"# lft: gpu={gpu}").Model.Dtype);

    [Fact]
    public void Batch_size_gives_the_accumulation_per_device()
    {
        var plan = Plan("micro_batch_size: 4\nbatch_size: 32\n");
        Assert.Equal((4, 8), (plan.Training.MicroBatchSize, plan.Training.GradientAccumulationSteps));
    }

    [Theory]
    [InlineData("flash_attention: true\n", AttentionKind.Flash)]
    [InlineData("sdp_attention: true\n", AttentionKind.Sdpa)]
    [InlineData("attn_implementation: eager\n", AttentionKind.Eager)]
    [InlineData("attn_implementation: flash_attention_3\n", AttentionKind.Flash)]
    [InlineData("", AttentionKind.Sdpa)]
    public void Attention_comes_from_attn_implementation_or_the_legacy_flags(string keys, AttentionKind kind) =>
        Assert.Equal(kind, Plan(keys).Training.Attention);

    [Theory]
    [InlineData("adamw_bnb_8bit", OptimizerType.AdamW8bit)]
    [InlineData("paged_adamw_8bit", OptimizerType.AdamW8bit)]
    [InlineData("adamw_torch_fused", OptimizerType.AdamW)]
    [InlineData("paged_adamw_32bit", OptimizerType.AdamW)]
    [InlineData("adafactor", OptimizerType.Adafactor)]
    [InlineData("galore_adamw", OptimizerType.AdaRankGrad)]
    public void Every_optimizer_spelling_means_its_states(string spelling, OptimizerType type) =>
        Assert.Equal(type, Plan($"optimizer: {spelling}\n").Optimizer.Type);

    [Fact]
    public void Gradient_checkpointing_offload_is_checkpointing_with_streamed_activation_offloading()
    {
        // validation.py 1426-1434: `offload` is gradient_checkpointing: true + activation_offloading: true (the streams path).
        var analysis = Analyze("gradient_checkpointing: offload\n");
        Assert.True(analysis.Plan!.Training.GradientCheckpointing);
        Assert.Equal(ActivationOffload.Streams, analysis.Plan.Savers.Offload);
        Assert.DoesNotContain(analysis.Diagnostics, d => d.Code == Diagnostics.DiagnosticCodes.NotModelled && d.Message.Contains("offload", StringComparison.OrdinalIgnoreCase));
    }

    [Fact]
    public void Provenance_points_at_the_keys_that_set_each_value_and_the_modeline_for_the_GPU()
    {
        var analysis = Analyze("micro_batch_size: 2\ngradient_checkpointing: true\n", "# lft: gpu=h100-sxm gpus_per_node=8");
        var provenance = analysis.Provenance;
        Assert.Equal(3, provenance.Written(PlanField.MicroBatchSize)!.Key.Range.Start.Line);
        Assert.Equal("gradient_checkpointing", provenance.Written(PlanField.GradientCheckpointing)!.Key.Value);
        Assert.Equal(ValueOrigin.Modeline, provenance.Of(PlanField.Gpu).Origin);
        Assert.Equal(ValueOrigin.Default, provenance.Of(PlanField.ZeroStage).Origin);
        Assert.Equal((8, "h100-sxm"), (analysis.Plan!.Hardware.GpusPerNode, analysis.Plan.Hardware.Gpu.Id));
    }

    [Fact]
    public void An_unknown_model_is_a_warning_that_there_is_no_estimate_never_a_cross_family_guess()
    {
        using var files = new DialectTestFiles();
        files.Write("config.yml", "base_model: Qwen/Qwen9-8B\nsequence_len: 2048\n");
        var analysis = files.Analyze("config.yml");
        var unknown = Assert.Single(analysis.Diagnostics, d => d.Code == Diagnostics.DiagnosticCodes.UnknownModel);
        Assert.Equal(Diagnostics.DiagnosticSeverity.Warning, unknown.Severity);
        Assert.DoesNotContain("Did you mean", unknown.Message);
        Assert.Null(analysis.Estimate);
    }

    [Fact]
    public void A_local_model_folder_is_read_from_its_config_json()
    {
        using var files = new DialectTestFiles();
        files.Write("models/tiny/config.json", File.ReadAllText(TestRepository.Example("models/tiny/config.json")));
        files.Write("config.yml", "base_model: ./models/tiny\nsequence_len: 256\nmicro_batch_size: 1\n");
        var analysis = files.Analyze("config.yml");
        Assert.NotNull(analysis.Estimate);
        Assert.Equal("./models/tiny", analysis.Plan!.Model.Id);
    }

    [Fact]
    public void Context_parallelism_estimates_each_GPU_on_its_share_of_the_sequence()
    {
        var plan = Plan("context_parallel_size: 4\nattn_implementation: flash_attention_2\nmicro_batch_size: 1\n", "# lft: gpus_per_node=4");
        // The sequence stays whole (attention still spans all of it); each GPU holds a quarter of its tokens.
        Assert.Equal(4096, plan.Training.SequenceLength);
        Assert.Equal(4, plan.Savers.ContextParallelSize);
        Assert.Equal(1024, LspFineTune.Core.Estimation.LogitsMemory.TokensPerGpu(plan));
        var refused = Analyze("context_parallel_size: 4\nattn_implementation: flash_attention_2\nmicro_batch_size: 1\n");
        Assert.Contains(refused.Diagnostics, d => d.Code == Diagnostics.DiagnosticCodes.FrameworkRefuses && d.Message.Contains("multiple of 4 GPUs"));
    }

    [Theory]
    [InlineData("rl: dpo\n", TrainingObjective.Dpo, ReferenceSource.Copy)]
    [InlineData("rl: dpo\nadapter: lora\n", TrainingObjective.Dpo, ReferenceSource.AdapterDisabled)]
    [InlineData("rl: dpo\nadapter: lora\nrl_adapter_ref_model: true\n", TrainingObjective.Dpo, ReferenceSource.Copy)]
    [InlineData("rl: ipo\nprecompute_ref_log_probs: true\n", TrainingObjective.Dpo, ReferenceSource.Precomputed)]
    [InlineData("rl: orpo\n", TrainingObjective.Orpo, ReferenceSource.None)]
    [InlineData("rl: simpo\n", TrainingObjective.Orpo, ReferenceSource.None)]
    [InlineData("rl: kto\n", TrainingObjective.Kto, ReferenceSource.Copy)]
    [InlineData("rl: grpo\n", TrainingObjective.Grpo, ReferenceSource.None)]
    [InlineData("rl: grpo\ntrl:\n  beta: 0.04\n", TrainingObjective.Grpo, ReferenceSource.Copy)]
    [InlineData("reward_model: true\n", TrainingObjective.Reward, ReferenceSource.None)]
    public void Rl_binds_the_objective_and_its_reference(string keys, TrainingObjective objective, ReferenceSource reference)
    {
        var plan = Plan("micro_batch_size: 2\ngradient_accumulation_steps: 1\n" + keys);
        Assert.Equal(objective, plan.Objective.Type);
        Assert.Equal(reference, plan.Objective.Reference(plan.Method.Type));
    }

    [Fact]
    public void Grpo_reads_its_generation_from_the_trl_and_vllm_sections()
    {
        var generation = Plan("micro_batch_size: 4\ngradient_accumulation_steps: 2\nrl: grpo\ntrl:\n  num_generations: 4\n  max_completion_length: 1024\n  use_vllm: true\n  vllm_mode: colocate\nvllm:\n  gpu_memory_utilization: 0.6\n").Objective.Generation;
        // sequence_len 4096 = prompt 3072 + completion 1024; 4 per device x 2 steps per generation.
        Assert.Equal((4, 1024, 3072, 8, GenerationEngine.VllmColocate, 0.6), (generation.NumGenerations, generation.MaxCompletionLength, generation.PromptLength, generation.SequencesPerGpu, generation.Engine, generation.VllmGpuMemoryUtilization));
    }

    [Fact]
    public void Lora_modules_to_save_and_peft_use_dora_are_bound()
    {
        var lora = Plan("micro_batch_size: 1\ngradient_accumulation_steps: 1\nadapter: lora\nlora_modules_to_save:\n  - embed_tokens\n  - lm_head\npeft_use_dora: true\n").Method.Lora;
        Assert.Equal(["embed_tokens", "lm_head"], lora.ModulesToSave);
        Assert.True(lora.UseDora);
    }
}

public class AxolotlFsdpTests
{
    [Fact]
    public void An_FSDP_config_is_estimated_as_its_ZeRO_equivalent_and_never_offered_a_DeepSpeed_fix()
    {
        using var files = new DialectTestFiles();
        files.Write("config.yml", "# lft: gpu=a100-40gb gpus_per_node=8\nbase_model: meta-llama/Llama-3.1-8B\nsequence_len: 8192\nmicro_batch_size: 4\ngradient_accumulation_steps: 1\nlearning_rate: 0.00001\nfsdp_version: 2\nfsdp_config:\n  reshard_after_forward: true\n");
        var analysis = files.Analyze("config.yml");
        Assert.Equal(3, analysis.Plan!.DeepSpeed.ZeroStage);
        var oom = Assert.Single(analysis.Diagnostics, d => d.Code == Diagnostics.DiagnosticCodes.OutOfMemory);
        Assert.NotEmpty(oom.Fixes);
        Assert.DoesNotContain(oom.Fixes, f => f.Changes.Any(c => c.Field is PlanField.ZeroStage or PlanField.OffloadOptimizer or PlanField.OffloadParams));
        var plan = analysis.FindFastestPlan()!;
        Assert.NotNull(plan.Best);
        Assert.DoesNotContain(plan.Best!.Changes, c => c.Field is PlanField.ZeroStage or PlanField.OffloadOptimizer or PlanField.OffloadParams);
    }

}
