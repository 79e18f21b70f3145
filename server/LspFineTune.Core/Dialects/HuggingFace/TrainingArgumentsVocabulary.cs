using LspFineTune.Core.Planning;

namespace LspFineTune.Core.Dialects.HuggingFace;

/// <summary>
/// The <c>TrainingArguments</c> keys (transformers@00349ae <c>training_args.py</c>) for the plan fields, and how their
/// changes read, as <see cref="TrainingArgumentsReader"/> reads and <see cref="TrainingArgumentsWriter"/> writes them:
/// the part of the vocabulary LLaMA-Factory and TRL share. A dialect states its own keys first and falls back here.
/// </summary>
public static class TrainingArgumentsVocabulary
{
    public static string? Key(PlanField field) => field switch
    {
        PlanField.Dtype => "bf16",
        PlanField.Optimizer => "optim",
        PlanField.LearningRate => "learning_rate",
        PlanField.WeightDecay => "weight_decay",
        PlanField.LrScheduler => "lr_scheduler_type",
        PlanField.WarmupSteps => "warmup_steps",
        PlanField.MicroBatchSize => "per_device_train_batch_size",
        PlanField.GradientAccumulationSteps => "gradient_accumulation_steps",
        PlanField.Epochs => "num_train_epochs",
        PlanField.MaxSteps => "max_steps",
        PlanField.GradientCheckpointing => "gradient_checkpointing",
        PlanField.Seed => "seed",
        PlanField.ZeroStage or PlanField.OffloadOptimizer or PlanField.OffloadParams => "deepspeed",
        PlanField.OutputDir => "output_dir",
        PlanField.SaveEverySteps => "save_steps",
        PlanField.EvalEverySteps => "eval_steps",
        PlanField.LossKernel => "use_liger_kernel",
        _ => null,
    };

    /// <summary>The precision in <c>bf16</c>/<c>fp16</c> and the offload devices in the DeepSpeed JSON <c>deepspeed</c>
    /// names; null for the other changes.</summary>
    public static string? Setting(PlanChange change) => change.Value switch
    {
        WeightDtype.Fp16 => "fp16: true",
        WeightDtype.Bf16 => "bf16: true",
        WeightDtype.Fp32 => "bf16: false",
        OffloadTarget target when change.Field == PlanField.OffloadOptimizer => $"zero_optimization.offload_optimizer.device: {target.ToConfigName()} (in the deepspeed JSON)",
        OffloadTarget target => $"zero_optimization.offload_param.device: {target.ToConfigName()} (in the deepspeed JSON)",
        _ => null,
    };
}
