using LspFineTune.Core.Planning;

namespace LspFineTune.Core.Advice;

/// <summary>Applies config changes to a bound plan, so a fix can be estimated before it is written.</summary>
public static class PlanChanges
{
    public static TrainingPlan Apply(TrainingPlan plan, IEnumerable<ConfigChange> changes)
    {
        foreach (var change in changes)
            plan = Apply(plan, change);
        return plan;
    }

    public static TrainingPlan Apply(TrainingPlan plan, ConfigChange change) => change.Path switch
    {
        "deepspeed.zero_stage" => plan with { DeepSpeed = plan.DeepSpeed with { ZeroStage = (int)change.Value } },
        "deepspeed.offload_optimizer" => plan with { DeepSpeed = plan.DeepSpeed with { OffloadOptimizer = Parse<OffloadTarget>(change) } },
        "deepspeed.offload_params" => plan with { DeepSpeed = plan.DeepSpeed with { OffloadParams = Parse<OffloadTarget>(change) } },
        "training.gradient_checkpointing" => plan with { Training = plan.Training with { GradientCheckpointing = (bool)change.Value } },
        "training.attention" => plan with { Training = plan.Training with { Attention = Parse<AttentionKind>(change) } },
        "training.micro_batch_size" => plan with { Training = plan.Training with { MicroBatchSize = (int)change.Value } },
        "training.gradient_accumulation_steps" => plan with { Training = plan.Training with { GradientAccumulationSteps = (int)change.Value } },
        "method.type" => plan with { Method = plan.Method with { Type = Parse<FineTuneMethod>(change) } },
        "model.quantization" => plan with { Model = plan.Model with { Quantization = Parse<Quantization>(change) } },
        "model.dtype" => plan with { Model = plan.Model with { Dtype = Parse<WeightDtype>(change) } },
        "optimizer.type" => plan with { Optimizer = plan.Optimizer with { Type = Parse<OptimizerType>(change) } },
        _ => throw new ArgumentException($"no plan field for `{change.Path}`", nameof(change)),
    };

    private static TEnum Parse<TEnum>(ConfigChange change) where TEnum : struct, Enum =>
        PlanEnumNames.FromConfigName<TEnum>((string)change.Value)
        ?? throw new ArgumentException($"`{change.Value}` is not a value of {change.Path}", nameof(change));
}
