using LspFineTune.Core.Dialects.HuggingFace;
using LspFineTune.Core.Planning;

namespace LspFineTune.Core.Dialects.LlamaFactory;

/// <summary>LLaMA-Factory's keys for the plan fields (hiyouga/LLaMA-Factory@ff6d4d1 <c>src/llamafactory/hparams/</c>) and
/// how changes read in its own words (<c>finetuning_type: lora</c>, <c>flash_attn: fa2</c>).</summary>
public sealed class LlamaFactoryVocabulary : IDialectVocabulary
{
    public static LlamaFactoryVocabulary Instance { get; } = new();

    public string? Key(PlanField field) => field switch
    {
        PlanField.Model => "model_name_or_path",
        PlanField.Quantization => "quantization_bit",
        PlanField.Gpu => "# lft: gpu=",
        PlanField.GpusPerNode => "# lft: gpus_per_node=",
        PlanField.Nodes => "# lft: nodes=",
        PlanField.Method => "finetuning_type",
        PlanField.LoraRank => "lora_rank",
        PlanField.LoraAlpha => "lora_alpha",
        PlanField.LoraDropout => "lora_dropout",
        PlanField.LoraTargets => "lora_target",
        PlanField.SequenceLength => "cutoff_len",
        PlanField.GradientCheckpointing => "disable_gradient_checkpointing",
        PlanField.Attention => "flash_attn",
        PlanField.Packing => "packing",
        PlanField.DataTrain => "dataset",
        PlanField.DataEval => "eval_dataset",
        PlanField.LossKernel => "enable_liger_kernel",
        PlanField.ActivationOffload => "use_unsloth_gc",
        _ => TrainingArgumentsVocabulary.Key(field),
    };

    public string Setting(PlanChange change) => TrainingArgumentsVocabulary.Setting(change) ?? change.Value switch
    {
        Quantization.Nf4 => "quantization_bit: 4",
        Quantization.Int8 => "quantization_bit: 8",
        Quantization.None => "quantization_bit: null",
        bool on when change.Field == PlanField.GradientCheckpointing => $"disable_gradient_checkpointing: {(on ? "false" : "true")}",
        // LLaMA-Factory users switch between its shipped presets; a JSON of their own is edited instead.
        _ when change.Field == PlanField.ZeroStage && DeepSpeed.DeepSpeedPresets.For("llamafactory", (int)change.Value, OffloadTarget.None, OffloadTarget.None) is { } preset
            => $"deepspeed: {preset.Name} (LLaMA-Factory's ZeRO-{change.Value} preset), or zero_optimization.stage: {change.Value} in your own JSON",
        _ when change.Field == PlanField.ZeroStage => $"zero_optimization.stage: {change.Value} (in the deepspeed JSON)",
        _ => $"{Key(change.Field) ?? change.Field.ToString()}: {Value(change)}",
    };

    public string Value(PlanChange change) => change.Value switch
    {
        AttentionKind kind => LlamaFactorySpellings.FlashAttn(kind),
        OptimizerType type => TransformersSpellings.Optimizer(type),
        FineTuneMethod.Lora => "lora",
        FineTuneMethod.Full => "full",
        Quantization.Nf4 => "4 (4-bit NF4 base)",
        Quantization.Int8 => "8 (8-bit base)",
        Quantization.None => "null (16-bit base)",
        bool on when change.Field == PlanField.GradientCheckpointing => on ? "false (checkpointing on)" : "true (checkpointing off)",
        LossChoice loss => loss.Kernel == LossKernel.LigerFused ? "true" : "false",
        ActivationOffload offload => offload == ActivationOffload.None ? "false" : "true",
        _ when change.Field == PlanField.ZeroStage => $"ZeRO-{change.Value}",
        _ => change.ValueText,
    };
}

/// <summary>The v1 layout's keys (<c>src/llamafactory/v1/config/</c>): <c>model</c>, <c>micro_batch_size</c>, the plugin blocks.</summary>
public sealed class LlamaFactoryV1Vocabulary : IDialectVocabulary
{
    public static LlamaFactoryV1Vocabulary Instance { get; } = new();

    public string? Key(PlanField field) => field switch
    {
        PlanField.Model => "model",
        PlanField.Dtype => "bf16",
        PlanField.Quantization => "quant_config",
        PlanField.Gpu => "# lft: gpu=",
        PlanField.GpusPerNode => "# lft: gpus_per_node=",
        PlanField.Nodes => "# lft: nodes=",
        PlanField.Method => "peft_config",
        PlanField.LoraRank => "peft_config.r",
        PlanField.LoraAlpha => "peft_config.lora_alpha",
        PlanField.LoraDropout => "peft_config.lora_dropout",
        PlanField.LoraTargets => "peft_config.target_modules",
        PlanField.Optimizer => "optim_config",
        PlanField.LearningRate => "learning_rate",
        PlanField.LrScheduler => "lr_scheduler_config",
        PlanField.MicroBatchSize => "micro_batch_size",
        PlanField.GradientAccumulationSteps => "global_batch_size",
        PlanField.SequenceLength => "cutoff_len",
        PlanField.Epochs => "num_train_epochs",
        PlanField.MaxSteps => "max_steps",
        PlanField.GradientCheckpointing => "enable_activation_checkpointing",
        PlanField.Attention => "flash_attn",
        PlanField.Packing => "batching_strategy",
        PlanField.Seed => "seed",
        PlanField.ZeroStage or PlanField.OffloadOptimizer or PlanField.OffloadParams => "dist_config",
        PlanField.DataTrain => "train_dataset",
        PlanField.DataEval => "eval_dataset",
        PlanField.OutputDir => "output_dir",
        PlanField.SaveEverySteps => "save_steps",
        _ => null,
    };

    public string Setting(PlanChange change) => change.Value switch
    {
        WeightDtype.Bf16 => "bf16: true",
        WeightDtype.Fp32 or WeightDtype.Fp16 => "bf16: false",
        Quantization.Nf4 => "quant_config: {name: bnb, quantization_bit: 4}",
        Quantization.Int8 => "quant_config: {name: bnb, quantization_bit: 8}",
        Quantization.None => "quant_config: null",
        FineTuneMethod.Lora => "peft_config: {name: lora}",
        FineTuneMethod.Full => "peft_config: null",
        _ when change.Field == PlanField.ZeroStage => $"zero_optimization.stage: {change.Value} (in dist_config.config_file)",
        OffloadTarget target when change.Field == PlanField.OffloadOptimizer => $"zero_optimization.offload_optimizer.device: {target.ToConfigName()} (in dist_config.config_file)",
        OffloadTarget target => $"zero_optimization.offload_param.device: {target.ToConfigName()} (in dist_config.config_file)",
        _ => $"{Key(change.Field) ?? change.Field.ToString()}: {Value(change)}",
    };

    public string Value(PlanChange change) => change.Value switch
    {
        AttentionKind kind => TransformersSpellings.Attention(kind),
        FineTuneMethod.Lora => "lora",
        FineTuneMethod.Full => "null (full fine-tuning)",
        Quantization.Nf4 => "4-bit NF4 base",
        Quantization.Int8 => "8-bit base",
        Quantization.None => "16-bit base",
        _ when change.Field == PlanField.ZeroStage => $"ZeRO-{change.Value}",
        _ => change.ValueText,
    };
}
