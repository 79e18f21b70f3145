using LspFineTune.Core.Advice;
using LspFineTune.Core.Diagnostics;
using LspFineTune.Core.Dialects;
using LspFineTune.Core.Dialects.Trl;
using LspFineTune.Core.Planning;

namespace LspFineTune.Core.Tests.Dialects;

/// <summary>TRL / HF Trainer keys bound to the plan with TRL's own defaults (trl@f2cd577), the trainer inferred, the
/// forwarded accelerate keys as hardware, and where each value came from.</summary>
public class TrlBindingTests
{
    private const string Base = "model_name_or_path: meta-llama/Llama-3.2-1B\noutput_dir: out\n";

    internal static ConfigAnalysis Analyze(string extra, string? modeline = null, string name = "config.yaml")
    {
        using var files = new DialectTestFiles();
        files.Write(name, (modeline is null ? "" : modeline + "\n") + Base + extra);
        return files.Analyze(name);
    }

    private static TrainingPlan Plan(string extra, string? modeline = null, string name = "config.yaml")
    {
        var analysis = Analyze(extra, modeline, name);
        Assert.Equal("trl", analysis.Dialect?.Id);
        return analysis.Plan!;
    }

    [Fact]
    public void Nothing_written_binds_TRLs_SFT_defaults()
    {
        var plan = Plan("");
        var training = plan.Training;
        // _BaseConfig: gradient checkpointing on, bf16 unless fp16; TrainingArguments: batch 8; SFTConfig: 1024 tokens, lr 2e-5.
        Assert.Equal((8, 1, 1024, true), (training.MicroBatchSize, training.GradientAccumulationSteps, training.SequenceLength, training.GradientCheckpointing));
        Assert.Equal((WeightDtype.Bf16, FineTuneMethod.Full, AttentionKind.Sdpa), (plan.Model.Dtype, plan.Method.Type, training.Attention));
        Assert.Equal((OptimizerType.AdamW, 2e-5, 3.0), (plan.Optimizer.Type, plan.Optimizer.LearningRate, training.Epochs));
        Assert.Equal(0, plan.DeepSpeed.ZeroStage);
    }

    [Theory]
    [InlineData("fp16: true\n", WeightDtype.Fp16)]
    [InlineData("bf16: false\n", WeightDtype.Fp32)]
    [InlineData("bf16: false\ndtype: bfloat16\n", WeightDtype.Bf16)]
    [InlineData("", WeightDtype.Bf16)]
    public void Mixed_precision_is_the_plans_dtype_and_the_load_dtype_only_without_it(string keys, WeightDtype dtype) =>
        Assert.Equal(dtype, Plan(keys).Model.Dtype);

    [Fact]
    public void The_float32_default_load_dtype_keeps_4_bytes_per_weight_and_bfloat16_halves_them()
    {
        // model_config.py: `dtype` defaults to float32, and bf16 autocast leaves the weights in it.
        var fp32 = Analyze("use_peft: true\n").Estimate!;
        var bf16 = Analyze("use_peft: true\ndtype: bfloat16\n").Estimate!;
        var frozen = (double)fp32.Parameters.BaseParameters;
        Assert.Equal(4 * frozen, fp32.Memory.Term(Core.Estimation.MemoryTermNames.Weights) - 4.0 * fp32.Parameters.AdapterParameters, 0);
        Assert.Equal(2 * frozen, bf16.Memory.Term(Core.Estimation.MemoryTermNames.Weights) - 4.0 * bf16.Parameters.AdapterParameters, 0);
        // Autocast's bf16 copies of the fp32 weights exist only for the float32 load.
        Assert.True(fp32.Memory.Term(Core.Estimation.MemoryTermNames.AutocastWeightCopies) > 0);
        Assert.Equal(0, bf16.Memory.Term(Core.Estimation.MemoryTermNames.AutocastWeightCopies));
    }

    [Theory]
    [InlineData("all_linear", true)]
    [InlineData("all", true)]
    [InlineData("q_projx", false)]
    public void A_near_miss_of_all_linear_is_warned_with_the_spelling_PEFT_reads(string targets, bool hinted)
    {
        var warning = Assert.Single(Analyze($"use_peft: true\nlora_target_modules: {targets}\n").Diagnostics, d => d.Code == DiagnosticCodes.UnknownLoraTarget);
        Assert.Equal(hinted, warning.Message.Contains("Did you mean `all-linear`?", StringComparison.Ordinal));
        Assert.Equal(3, warning.Range.Start.Line);
    }

    [Theory]
    [InlineData("", true)]
    [InlineData("loss_type: chunked_nll\n", true)]
    [InlineData("loss_type: nll\n", false)]
    [InlineData("use_liger_kernel: true\n", false)]
    public void SFTs_default_chunked_loss_is_bound_for_SFT_only(string keys, bool chunked)
    {
        // sft_config.py 334-336: loss_type defaults to chunked_nll unless use_liger_kernel; only SFT has it.
        Assert.Equal(chunked, Analyze(keys).Plan!.Savers.Loss == LossKernel.ChunkedNll);
        Assert.NotEqual(LossKernel.ChunkedNll, Analyze(keys, "# lft: recipe=dpo").Plan!.Savers.Loss);
    }

    [Theory]
    [InlineData("recipes/zephyr/dpo/config_full.yaml", "", TrlTrainer.Dpo, "the path names `dpo`")]
    [InlineData("tests/fixtures/config_sft_full.yaml", "", TrlTrainer.Sft, "the path names `sft`")]
    [InlineData("config.yaml", "num_generations: 4\n", TrlTrainer.Grpo, "`num_generations` is a GRPO key")]
    [InlineData("config.yaml", "beta: 0.1\nloss_type: sigmoid\n", TrlTrainer.Dpo, "`beta` with `loss_type`")]
    [InlineData("config.yaml", "", TrlTrainer.Sft, "so SFT")]
    public void The_trainer_is_inferred_from_the_path_or_the_keys_and_said(string name, string keys, TrlTrainer trainer, string reason)
    {
        var analysis = Analyze(keys, name: name);
        Assert.Equal(trainer, ((TrlBinding)analysis.Binding!).Trainer.Trainer);
        var said = Assert.Single(analysis.Diagnostics, d => d.Code == DiagnosticCodes.TrainerInferred);
        Assert.Contains($"`trl {TrlTrainers.Name(trainer)}`", said.Message);
        Assert.Contains(reason, said.Message);
    }

    [Fact]
    public void The_modeline_recipe_names_the_trainer_over_the_path()
    {
        var analysis = Analyze("", "# lft: recipe=kto", "recipes/x/dpo/config.yaml");
        Assert.Equal(TrlTrainer.Kto, ((TrlBinding)analysis.Binding!).Trainer.Trainer);
        Assert.DoesNotContain(analysis.Diagnostics, d => d.Code == DiagnosticCodes.TrainerInferred);
        Assert.Equal(1e-6, analysis.Plan!.Optimizer.LearningRate);
    }

    [Fact]
    public void GRPO_sequences_are_prompt_plus_completion_and_its_generation_is_bound()
    {
        var analysis = Analyze("num_generations: 4\nmax_completion_length: 1024\nper_device_train_batch_size: 4\ngradient_accumulation_steps: 2\n");
        Assert.Equal(512 + 1024, analysis.Plan!.Training.SequenceLength);
        Assert.Equal(1e-6, analysis.Plan.Optimizer.LearningRate);
        var objective = analysis.Plan.Objective;
        Assert.Equal(TrainingObjective.Grpo, objective.Type);
        // grpo_config.py: beta 0.0 (no reference), steps_per_generation = accumulation: 4 x 2 completions per generate call.
        Assert.Equal((0.0, 4, 1024, 512, 8, GenerationEngine.Transformers), (objective.Beta, objective.Generation.NumGenerations, objective.Generation.MaxCompletionLength, objective.Generation.PromptLength, objective.Generation.SequencesPerGpu, objective.Generation.Engine));
        Assert.Equal(640, Plan("num_generations: 4\nper_device_train_batch_size: 4\nmax_prompt_length: 128\n").Training.SequenceLength);
    }

    [Theory]
    [InlineData("use_vllm: true\n", GenerationEngine.VllmColocate)]
    [InlineData("use_vllm: true\nvllm_mode: server\n", GenerationEngine.VllmServer)]
    [InlineData("use_vllm: false\nvllm_mode: server\n", GenerationEngine.Transformers)]
    public void GRPO_binds_vLLM_mode_and_its_memory_share(string keys, GenerationEngine engine)
    {
        var generation = Plan("num_generations: 4\nvllm_gpu_memory_utilization: 0.5\n" + keys).Objective.Generation;
        Assert.Equal((engine, 0.5), (generation.Engine, generation.VllmGpuMemoryUtilization));
    }

    [Fact]
    public void DPO_estimates_a_reference_copy_and_two_sequences_per_example()
    {
        var analysis = Analyze("beta: 0.1\nmax_length: 2048\n", name: "recipes/m/dpo/config.yaml");
        Assert.Equal(2048, analysis.Plan!.Training.SequenceLength);
        Assert.Equal(TrainingObjective.Dpo, analysis.Plan.Objective.Type);
        Assert.Equal(ReferenceSource.Copy, analysis.Plan.Objective.Reference(analysis.Plan.Method.Type));
        Assert.Equal(2, analysis.Plan.Objective.SequencesPerExample);
        var peft = Plan("beta: 0.1\nuse_peft: true\ndtype: bfloat16\n", name: "recipes/m/dpo/config.yaml");
        Assert.Equal(ReferenceSource.AdapterDisabled, peft.Objective.Reference(peft.Method.Type));
        var precomputed = Plan("beta: 0.1\nprecompute_ref_log_probs: true\n", name: "recipes/m/dpo/config.yaml");
        Assert.Equal(ReferenceSource.Precomputed, precomputed.Objective.Reference(precomputed.Method.Type));
    }

    [Theory]
    [InlineData("kto", TrainingObjective.Kto)]
    [InlineData("orpo", TrainingObjective.Orpo)]
    [InlineData("reward", TrainingObjective.Reward)]
    [InlineData("rloo", TrainingObjective.Grpo)]
    [InlineData("sft", TrainingObjective.Sft)]
    public void Each_trainer_is_its_objective(string recipe, TrainingObjective objective) =>
        Assert.Equal(objective, Plan("learning_rate: 1.0e-6\n", modeline: $"# lft: recipe={recipe}").Objective.Type);

    [Fact]
    public void PEFT_binds_lora_modules_to_save_and_use_dora()
    {
        var lora = Plan("use_peft: true\nlora_modules_to_save: [embed_tokens, lm_head]\nuse_dora: true\n").Method.Lora;
        Assert.Equal(["embed_tokens", "lm_head"], lora.ModulesToSave);
        Assert.True(lora.UseDora);
        Assert.False(lora.SavedModulesFp32);
    }

    [Fact]
    public void PEFT_takes_ModelConfigs_defaults()
    {
        var lora = Plan("use_peft: true\n").Method;
        Assert.Equal(FineTuneMethod.Lora, lora.Type);
        Assert.Equal((16, 32.0, 0.05, false), (lora.Lora.Rank, lora.Lora.Alpha, lora.Lora.Dropout, lora.Lora.AllLinear));
        Assert.Equal(["q_proj", "v_proj"], lora.Lora.TargetModules);
    }

    [Theory]
    [InlineData("lora_target_modules: all-linear\n")]
    [InlineData("lora_target_modules:\n- all-linear\n")]
    public void All_linear_as_a_string_or_a_one_item_list_is_every_linear_layer(string targets) =>
        Assert.True(Plan("use_peft: true\nlora_r: 8\n" + targets).Method.Lora.AllLinear);

    [Fact]
    public void Load_in_4bit_with_PEFT_is_QLoRA()
    {
        var plan = Plan("use_peft: true\nload_in_4bit: true\nlora_target_modules: [q_proj, k_proj]\n");
        Assert.Equal((FineTuneMethod.Lora, Quantization.Nf4), (plan.Method.Type, plan.Model.Quantization));
        Assert.Equal(["q_proj", "k_proj"], plan.Method.Lora.TargetModules);
    }

    [Fact]
    public void Num_processes_is_the_total_over_num_machines()
    {
        var analysis = Analyze("num_processes: 16\nnum_machines: 2\n");
        Assert.Equal((8, 2), (analysis.Plan!.Hardware.GpusPerNode, analysis.Plan.Hardware.Nodes));
        Assert.Equal("num_processes", analysis.Provenance.Of(PlanField.GpusPerNode).Property!.Key.Value);
        Assert.Equal(ValueOrigin.Document, analysis.Provenance.Of(PlanField.GpusPerNode).Origin);
        // The modeline still wins, as for every dialect.
        Assert.Equal(2, Plan("num_processes: 16\n", "# lft: gpus_per_node=2").Hardware.GpusPerNode);
    }

    [Theory]
    [InlineData("zero1", 1)]
    [InlineData("zero2", 2)]
    [InlineData("zero3", 3)]
    [InlineData("multi_gpu", 0)]
    [InlineData("fsdp1", 3)]
    [InlineData("fsdp2", 3)]
    public void A_TRL_accelerate_preset_gives_its_sharding_and_its_eight_processes(string preset, int stage)
    {
        var analysis = Analyze($"accelerate_config: {preset}\n");
        Assert.Equal((stage, 8), (analysis.Plan!.DeepSpeed.ZeroStage, analysis.Plan.Hardware.TotalGpus));
        var source = analysis.Provenance.Of(PlanField.ZeroStage);
        Assert.Equal((ValueOrigin.LaunchFile, $"preset {preset} (trl)"), (source.Origin, source.Detail));
        Assert.Equal($"preset {preset} (trl)", analysis.Provenance.Of(PlanField.GpusPerNode).Detail);
        Assert.Equal(4, Plan($"accelerate_config: {preset}\nnum_processes: 4\n").Hardware.TotalGpus);
    }

    [Fact]
    public void The_single_gpu_preset_runs_one_process()
    {
        Assert.Equal(1, Plan("accelerate_config: single_gpu\n").Hardware.TotalGpus);
    }

    [Fact]
    public void An_accelerate_config_that_is_neither_a_file_nor_a_preset_is_refused()
    {
        var analysis = Analyze("accelerate_config: zero4\n");
        var refusal = Assert.Single(analysis.Diagnostics, d => d.Code == DiagnosticCodes.FrameworkRefuses);
        Assert.Equal(2, refusal.Range.Start.Line);
        Assert.Contains("zero1, zero2, zero3", refusal.Message);
    }

    [Fact]
    public void A_GRPO_generation_batch_that_splits_a_group_is_refused_on_num_generations()
    {
        var analysis = Analyze("num_generations: 8\nper_device_train_batch_size: 3\ngradient_accumulation_steps: 1\n");
        var refusal = Assert.Single(analysis.Diagnostics, d => d.Code == DiagnosticCodes.FrameworkRefuses);
        Assert.Equal(2, refusal.Range.Start.Line);
        Assert.DoesNotContain(Analyze("num_generations: 8\nper_device_train_batch_size: 4\ngradient_accumulation_steps: 2\n").Diagnostics, d => d.Code == DiagnosticCodes.FrameworkRefuses);
    }

    [Fact]
    public void A_memory_key_drives_its_field_so_its_hover_shows_what_it_does_to_this_config()
    {
        var analysis = Analyze("per_device_train_batch_size: 4\ngradient_checkpointing: false\n");
        var root = analysis.Tree.RootMapping!;
        Assert.Equal([PlanField.MicroBatchSize], analysis.Provenance.FieldsDrivenBy(root.Find("per_device_train_batch_size")!));
        Assert.Equal([PlanField.GradientCheckpointing], analysis.Provenance.FieldsDrivenBy(root.Find("gradient_checkpointing")!));
        Assert.NotEmpty(KeyEffects.For(analysis.Estimate!, PlanField.GradientCheckpointing));
    }

    [Fact]
    public void A_LLaMA_Factory_or_axolotl_file_is_not_TRLs()
    {
        Assert.NotEqual("trl", Analyze("stage: sft\nfinetuning_type: lora\n").Dialect?.Id);
        Assert.NotEqual("trl", Analyze("base_model: meta-llama/Llama-3.2-1B\n").Dialect?.Id);
        using var files = new DialectTestFiles();
        files.Write("app.yaml", "model_name_or_path: my-model\nport: 8080\n");
        Assert.Null(files.Analyze("app.yaml").Dialect);
    }
}
