using LspFineTune.Core.Diagnostics;
using LspFineTune.Core.Dialects;
using LspFineTune.Core.Planning;

namespace LspFineTune.Core.Tests.Dialects;

/// <summary>LLaMA-Factory keys (classic and v1) bound to the plan with LLaMA-Factory's own defaults, and where each value came from.</summary>
public class LlamaFactoryBindingTests
{
    internal const string Base = "model_name_or_path: meta-llama/Llama-3.2-1B\nstage: sft\ndo_train: true\ndataset: alpaca_en_demo\ntemplate: llama3\n";

    internal static ConfigAnalysis Analyze(string text, string? modeline = null)
    {
        using var files = new DialectTestFiles();
        files.Write("config.yaml", (modeline is null ? "" : modeline + "\n") + text);
        return files.Analyze("config.yaml");
    }

    private static TrainingPlan Plan(string extra, string? modeline = null)
    {
        var analysis = Analyze(Base + extra, modeline);
        Assert.Equal("llamafactory", analysis.Dialect?.Id);
        return analysis.Plan!;
    }

    [Fact]
    public void Nothing_written_is_LLaMA_Factorys_LoRA_with_checkpointing_and_a_2048_cutoff()
    {
        var analysis = Analyze(Base + "bf16: true\n");
        var plan = analysis.Plan!;
        Assert.Equal(FineTuneMethod.Lora, plan.Method.Type);
        Assert.Equal((8, 16.0, 0.0, true), (plan.Method.Lora.Rank, plan.Method.Lora.Alpha, plan.Method.Lora.Dropout, plan.Method.Lora.AllLinear));
        Assert.True(plan.Training.GradientCheckpointing);
        Assert.Equal((2048, false, AttentionKind.Sdpa), (plan.Training.SequenceLength, plan.Training.Packing, plan.Training.Attention));
        // transformers' own defaults for the Trainer keys.
        Assert.Equal((8, 1), (plan.Training.MicroBatchSize, plan.Training.GradientAccumulationSteps));
        Assert.Equal((OptimizerType.AdamW, WeightDtype.Bf16, Quantization.None), (plan.Optimizer.Type, plan.Model.Dtype, plan.Model.Quantization));
        Assert.DoesNotContain(analysis.Diagnostics, d => d.Severity is DiagnosticSeverity.Error or DiagnosticSeverity.Warning);
        Assert.Equal(ValueOrigin.Default, analysis.Provenance.Of(PlanField.GradientCheckpointing).Origin);
    }

    [Theory]
    [InlineData("lora_rank: 16\n", 16, 32.0)]
    [InlineData("lora_rank: 16\nlora_alpha: 8\n", 16, 8.0)]
    [InlineData("lora_rank: 4\nlora_alpha: 0\n", 4, 8.0)]
    public void Lora_alpha_defaults_to_twice_the_rank(string keys, int rank, double alpha)
    {
        var lora = Plan(keys + "bf16: true\n").Method.Lora;
        Assert.Equal((rank, alpha), (lora.Rank, lora.Alpha));
    }

    [Theory]
    [InlineData("lora_target: q_proj,v_proj\n")]
    [InlineData("lora_target: q_proj, v_proj\n")]
    [InlineData("lora_target:\n  - q_proj\n  - v_proj\n")]
    public void Lora_target_takes_a_comma_string_or_a_list(string keys)
    {
        var analysis = Analyze(Base + keys + "bf16: true\n");
        var lora = analysis.Plan!.Method.Lora;
        Assert.False(lora.AllLinear);
        Assert.Equal(["q_proj", "v_proj"], lora.TargetModules);
        Assert.DoesNotContain(analysis.Diagnostics, d => d.Severity == DiagnosticSeverity.Error);
    }

    [Fact]
    public void A_lora_target_the_model_lacks_is_warned_about_on_its_name()
    {
        var analysis = Analyze(Base + "lora_target: q_proj,qkv_proj\nbf16: true\n");
        var warning = Assert.Single(analysis.Diagnostics, d => d.Code == DiagnosticCodes.UnknownLoraTarget);
        var line = (Base + "lora_target").Split('\n').Length - 1;
        Assert.Equal((line, "lora_target: q_proj,".Length), (warning.Range.Start.Line, warning.Range.Start.Character));
        Assert.Contains("`qkv_proj`", warning.Message);
    }

    [Theory]
    [InlineData("finetuning_type: full\nbf16: true\n", FineTuneMethod.Full, WeightDtype.Bf16)]
    [InlineData("finetuning_type: full\n", FineTuneMethod.Full, WeightDtype.Fp32)]
    [InlineData("finetuning_type: freeze\nfp16: true\n", FineTuneMethod.Full, WeightDtype.Fp16)]
    [InlineData("finetuning_type: full\npure_bf16: true\n", FineTuneMethod.Full, WeightDtype.Bf16)]
    [InlineData("", FineTuneMethod.Lora, WeightDtype.Bf16)]
    public void Precision_follows_bf16_fp16_and_pure_bf16_and_full_tuning_without_them_is_fp32(string keys, FineTuneMethod method, WeightDtype dtype)
    {
        var plan = Plan(keys);
        Assert.Equal((method, dtype), (plan.Method.Type, plan.Model.Dtype));
    }

    [Theory]
    [InlineData("quantization_bit: 4\n", Quantization.Nf4)]
    [InlineData("quantization_bit: 8\n", Quantization.Int8)]
    [InlineData("quantization_bit: 4\nquantization_method: hqq\n", Quantization.Nf4)]
    [InlineData("", Quantization.None)]
    public void Quantization_bit_is_the_base_storage(string keys, Quantization quantization) =>
        Assert.Equal(quantization, Plan(keys + "bf16: true\n").Model.Quantization);

    [Theory]
    [InlineData("flash_attn: auto\n", AttentionKind.Sdpa)]
    [InlineData("flash_attn: fa2\n", AttentionKind.Flash)]
    [InlineData("flash_attn: disabled\n", AttentionKind.Eager)]
    [InlineData("flash_attn: sdpa\n", AttentionKind.Sdpa)]
    public void Flash_attn_auto_leaves_transformers_default(string keys, AttentionKind kind) =>
        Assert.Equal(kind, Plan(keys + "bf16: true\n").Training.Attention);

    [Theory]
    [InlineData("disable_gradient_checkpointing: true\n", false)]
    [InlineData("disable_gradient_checkpointing: false\n", true)]
    [InlineData("disable_gradient_checkpointing: true\ngradient_checkpointing: true\n", true)]
    public void Checkpointing_is_on_unless_disabled(string keys, bool on) =>
        Assert.Equal(on, Plan(keys + "bf16: true\n").Training.GradientCheckpointing);

    [Theory]
    [InlineData("stage: sft\n", "stage: pt\n", true)]
    [InlineData("stage: sft\n", "stage: pt\npacking: false\n", false)]
    [InlineData("dataset:", "neat_packing: true\ndataset:", true)]
    public void Packing_defaults_on_for_pretraining(string from, string to, bool packing) =>
        Assert.Equal(packing, Analyze(Base.Replace(from, to) + "bf16: true\n").Plan!.Training.Packing);

    [Fact]
    public void The_batch_keys_are_transformers_and_a_named_preset_gives_ZeRO()
    {
        var analysis = Analyze(Base + "per_device_train_batch_size: 2\ngradient_accumulation_steps: 4\nbf16: true\ndeepspeed: examples/deepspeed/ds_z3_offload_config.json\n", "# lft: gpu=h100-sxm gpus_per_node=8");
        var plan = analysis.Plan!;
        Assert.Equal((2, 4), (plan.Training.MicroBatchSize, plan.Training.GradientAccumulationSteps));
        Assert.Equal((3, OffloadTarget.Cpu, OffloadTarget.Cpu), (plan.DeepSpeed.ZeroStage, plan.DeepSpeed.OffloadOptimizer, plan.DeepSpeed.OffloadParams));
        Assert.Equal(ValueOrigin.Companion, analysis.Provenance.Of(PlanField.ZeroStage).Origin);
        Assert.Contains(analysis.Diagnostics, d => d.Code == DiagnosticCodes.PresetResolved && d.Message.Contains("LLaMA-Factory checkout", StringComparison.Ordinal));
    }

    [Fact]
    public void Without_a_stated_GPU_count_the_hardware_source_says_where_llamafactory_cli_takes_it()
    {
        var analysis = Analyze(Base + "bf16: true\n");
        var source = HardwareResolver.Describe(analysis.Provenance.Of(PlanField.Gpu));
        Assert.Contains("NPROC_PER_NODE", source);
        Assert.DoesNotContain("NPROC_PER_NODE", HardwareResolver.Describe(Analyze(Base + "bf16: true\n", "# lft: gpu=h100-sxm gpus_per_node=4").Provenance.Of(PlanField.Gpu)));
    }

    [Theory]
    [InlineData("stage: dpo\nfinetuning_type: full\n", TrainingObjective.Dpo, ReferenceSource.Copy)]
    [InlineData("stage: dpo\n", TrainingObjective.Dpo, ReferenceSource.AdapterDisabled)]
    [InlineData("stage: dpo\nref_model: meta-llama/Llama-3.2-1B\n", TrainingObjective.Dpo, ReferenceSource.Copy)]
    [InlineData("stage: dpo\npref_loss: simpo\nfinetuning_type: full\n", TrainingObjective.Orpo, ReferenceSource.None)]
    [InlineData("stage: kto\nfinetuning_type: oft\n", TrainingObjective.Kto, ReferenceSource.Copy)]
    [InlineData("stage: rm\n", TrainingObjective.Reward, ReferenceSource.None)]
    [InlineData("stage: ppo\nreward_model: saves/rm\n", TrainingObjective.Ppo, ReferenceSource.AdapterDisabled)]
    [InlineData("stage: pt\n", TrainingObjective.Pretrain, ReferenceSource.None)]
    public void Stages_bind_their_objective_and_reference(string keys, TrainingObjective objective, ReferenceSource reference)
    {
        var plan = Analyze(Base.Replace("stage: sft\n", keys) + "bf16: true\n").Plan!;
        Assert.Equal(objective, plan.Objective.Type);
        Assert.Equal(reference, plan.Objective.Reference(plan.Method.Type));
    }

    [Fact]
    public void PPO_reward_model_is_an_adapter_on_the_base_unless_reward_model_type_is_full()
    {
        var lora = Analyze(Base.Replace("stage: sft\n", "stage: ppo\nreward_model: saves/rm\nmax_new_tokens: 256\n") + "bf16: true\n").Plan!.Objective;
        Assert.Equal((false, false, 256), (lora.RewardModelCopy, lora.ValueModelCopy, lora.Generation.MaxCompletionLength));
        Assert.True(Analyze(Base.Replace("stage: sft\n", "stage: ppo\nreward_model: saves/rm\nreward_model_type: full\nfinetuning_type: full\n") + "bf16: true\n").Plan!.Objective.RewardModelCopy);
    }

    [Theory]
    [InlineData("additional_target: embed_tokens,lm_head\n", true)]
    [InlineData("resize_vocab: true\n", true)]
    [InlineData("additional_target: embed_tokens,lm_head\npure_bf16: true\n", false)]
    public void Additional_target_and_resize_vocab_train_the_embeddings_upcast_to_fp32(string keys, bool fp32)
    {
        var lora = Analyze(Base + "bf16: true\nuse_dora: true\n" + keys).Plan!.Method.Lora;
        Assert.Equal(["embed_tokens", "lm_head"], lora.ModulesToSave);
        Assert.Equal(fp32, lora.SavedModulesFp32);
        Assert.True(lora.UseDora);
    }

    [Theory]
    [InlineData("model_name_or_path: meta-llama/Llama-3.2-1B\ntemplate: llama3\ninfer_backend: huggingface\n", "inference")]
    [InlineData("model_name_or_path: meta-llama/Llama-3.2-1B\nadapter_name_or_path: saves/lora\ntemplate: llama3\nexport_dir: merged\n", "export")]
    public void Inference_and_export_configs_are_claimed_clean_and_not_estimated(string text, string kind)
    {
        var analysis = Analyze(text);
        Assert.Equal("llamafactory", analysis.Dialect?.Id);
        Assert.Null(analysis.Plan);
        var info = Assert.Single(analysis.Diagnostics);
        Assert.Equal((DiagnosticCodes.NotModelled, DiagnosticSeverity.Information), (info.Code, info.Severity));
        Assert.Contains(kind, info.Message);
    }

    [Fact]
    public void A_training_config_without_do_train_is_warned_about_and_still_estimated()
    {
        var analysis = Analyze(Base.Replace("do_train: true\n", "") + "bf16: true\n");
        Assert.NotNull(analysis.Estimate);
        var warning = Assert.Single(analysis.Diagnostics, d => d.Code == DiagnosticCodes.FrameworkWarns);
        Assert.Contains("do_train: true", warning.Message);
    }

    [Theory]
    [InlineData("model_name_or_path: meta-llama/Llama-3.2-1B\nper_device_train_batch_size: 2\nlearning_rate: 0.0001\nbf16: true\nmax_length: 1024\n", "trl")]
    [InlineData("base_model: meta-llama/Llama-3.2-1B\nsequence_len: 2048\nmicro_batch_size: 1\n", "axolotl")]
    [InlineData("model:\n  name: llama-3.2-1b\ntraining:\n  micro_batch_size: 1\n", "native")]
    [InlineData("model:\n  _component_: torchtune.models.llama3_2.lora_llama3_2_1b\nbatch_size: 2\ndataset:\n  _component_: torchtune.datasets.alpaca_dataset\n", "torchtune")]
    public void Recognition_does_not_take_other_formats(string text, string? dialect)
    {
        var analysis = Analyze(text);
        Assert.Equal(dialect, analysis.Dialect?.Id);
    }

    [Theory]
    [InlineData("finetuning_type", PlanField.Method)]
    [InlineData("quantization_bit", PlanField.Quantization)]
    [InlineData("disable_gradient_checkpointing", PlanField.GradientCheckpointing)]
    [InlineData("flash_attn", PlanField.Attention)]
    [InlineData("per_device_train_batch_size", PlanField.MicroBatchSize)]
    [InlineData("gradient_accumulation_steps", PlanField.GradientAccumulationSteps)]
    [InlineData("cutoff_len", PlanField.SequenceLength)]
    [InlineData("lora_rank", PlanField.LoraRank)]
    [InlineData("deepspeed", PlanField.ZeroStage)]
    [InlineData("bf16", PlanField.Dtype)]
    [InlineData("optim", PlanField.Optimizer)]
    public void A_memory_key_drives_its_field_so_its_hover_says_what_changing_it_does(string key, PlanField field)
    {
        var text = Base + "finetuning_type: lora\nquantization_bit: 4\nlora_rank: 16\ndisable_gradient_checkpointing: false\nflash_attn: fa2\nper_device_train_batch_size: 2\ngradient_accumulation_steps: 4\ncutoff_len: 4096\nbf16: true\noptim: adamw_torch\ndeepspeed: examples/deepspeed/ds_z2_config.json\n";
        var analysis = Analyze(text, "# lft: gpu=h100-sxm gpus_per_node=2");
        var property = analysis.Tree.RootMapping!.Find(key)!;
        Assert.Contains(field, analysis.Provenance.FieldsDrivenBy(property));
        if (field is PlanField.GradientCheckpointing or PlanField.Attention or PlanField.MicroBatchSize or PlanField.ZeroStage)
            Assert.NotEmpty(Core.Advice.KeyEffects.For(analysis.Estimate!, field));
    }

    // v1 layout.
    private const string V1 = "model: meta-llama/Llama-3.2-1B\nmodel_class: llm\ntrain_dataset: data/v1_sft_demo.yaml\nmicro_batch_size: 2\ncutoff_len: 1024\n";

    internal static ConfigAnalysis AnalyzeV1(string extra, string? modeline = null)
    {
        var analysis = Analyze(V1 + extra, modeline);
        Assert.Equal("llamafactory-v1", analysis.Dialect?.Id);
        return analysis;
    }

    [Fact]
    public void V1_without_plugins_is_full_bf16_training_with_checkpointing_and_one_step_per_micro_batch()
    {
        var plan = AnalyzeV1("").Plan!;
        Assert.Equal((FineTuneMethod.Full, WeightDtype.Bf16, Quantization.None), (plan.Method.Type, plan.Model.Dtype, plan.Model.Quantization));
        Assert.Equal((2, 1, 1024), (plan.Training.MicroBatchSize, plan.Training.GradientAccumulationSteps, plan.Training.SequenceLength));
        Assert.True(plan.Training.GradientCheckpointing);
        Assert.Equal((AttentionKind.Sdpa, 0, LrScheduler.Constant), (plan.Training.Attention, plan.DeepSpeed.ZeroStage, plan.Optimizer.Scheduler));
    }

    [Fact]
    public void V1_plugins_give_LoRA_quantization_and_FSDP_sharding()
    {
        var analysis = AnalyzeV1("peft_config:\n  name: lora\n  r: 16\n  target_modules: all\nquant_config:\n  name: bnb\n  quantization_bit: 4\ndist_config:\n  name: fsdp2\nflash_attn: flash_attention_2\n", "# lft: gpu=h100-sxm gpus_per_node=4");
        var plan = analysis.Plan!;
        Assert.Equal((FineTuneMethod.Lora, 16, 16.0, 0.05, true), (plan.Method.Type, plan.Method.Lora.Rank, plan.Method.Lora.Alpha, plan.Method.Lora.Dropout, plan.Method.Lora.AllLinear));
        Assert.Equal((Quantization.Nf4, 3, AttentionKind.Flash), (plan.Model.Quantization, plan.DeepSpeed.ZeroStage, plan.Training.Attention));
        Assert.Equal("peft_config", analysis.Provenance.Written(PlanField.Method)?.Key.Value);
        Assert.Equal("r", analysis.Provenance.Written(PlanField.LoraRank)?.Key.Value);
    }

    [Theory]
    [InlineData("global_batch_size: 32\n", 4)]
    [InlineData("global_batch_size: 32\ncp_size: 2\n", 8)]
    [InlineData("", 1)]
    public void V1_accumulation_is_the_global_batch_over_data_parallel_GPUs_and_the_micro_batch(string keys, int accumulation) =>
        Assert.Equal(accumulation, AnalyzeV1(keys, "# lft: gpu=h100-sxm gpus_per_node=4").Plan!.Training.GradientAccumulationSteps);

    [Fact]
    public void V1_refuses_a_global_batch_the_GPUs_do_not_divide()
    {
        var refusal = Assert.Single(AnalyzeV1("global_batch_size: 6\n", "# lft: gpu=h100-sxm gpus_per_node=4").Diagnostics, d => d.Code == DiagnosticCodes.FrameworkRefuses);
        Assert.Contains("divisible by DP size", refusal.Message);
        Assert.Equal(V1.Split('\n').Length, refusal.Range.Start.Line);
    }

    [Fact]
    public void V1_deepspeed_reads_its_config_file()
    {
        var plan = AnalyzeV1("dist_config:\n  name: deepspeed\n  config_file: examples/deepspeed/ds_z2_offload_config.json\n", "# lft: gpu=h100-sxm gpus_per_node=2").Plan!;
        Assert.Equal((2, OffloadTarget.Cpu), (plan.DeepSpeed.ZeroStage, plan.DeepSpeed.OffloadOptimizer));
    }

    [Theory]
    [InlineData("model: meta-llama/Llama-3.2-1B\npeft_config:\n  name: lora\n  adapter_name_or_path: out\n  export_dir: merged\n")]
    public void V1_export_files_are_claimed_and_not_estimated(string text)
    {
        var analysis = Analyze(text);
        Assert.Equal("llamafactory-v1", analysis.Dialect?.Id);
        Assert.Null(analysis.Plan);
        Assert.Contains("export", Assert.Single(analysis.Diagnostics).Message);
    }

    [Fact]
    public void V1_dataset_descriptions_are_left_alone() =>
        Assert.Null(Analyze("identity:\n  path: data/identity.json\n  source: local\n  converter: alpaca\n").Dialect);
}
