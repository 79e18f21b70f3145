using LspFineTune.Core.Dialects;
using LspFineTune.Core.Planning;

namespace LspFineTune.Core.Advice;

/// <summary>Applies plan changes to a bound plan, so a fix can be estimated before it is written.</summary>
public static class PlanChanges
{
    public static TrainingPlan Apply(TrainingPlan plan, IEnumerable<PlanChange> changes)
    {
        foreach (var change in changes)
            plan = Apply(plan, change);
        return plan;
    }

    public static TrainingPlan Apply(TrainingPlan plan, PlanChange change) => change.Field switch
    {
        PlanField.ZeroStage => plan with
        {
            // A stage on a plan with no engine brings the engine the dialect's fix writes (its precision regime follows).
            DeepSpeed = plan.DeepSpeed with
            {
                ZeroStage = (int)change.Value,
                Engine = plan.DeepSpeed.Engine == ShardingEngine.None && (int)change.Value > 0 ? plan.DeepSpeed.ShardsWith : plan.DeepSpeed.Engine,
            },
        },
        PlanField.OffloadOptimizer => plan with { DeepSpeed = plan.DeepSpeed with { OffloadOptimizer = (OffloadTarget)change.Value } },
        PlanField.OffloadParams => plan with { DeepSpeed = plan.DeepSpeed with { OffloadParams = (OffloadTarget)change.Value } },
        PlanField.GradientCheckpointing => plan with { Training = plan.Training with { GradientCheckpointing = (bool)change.Value } },
        PlanField.Attention => plan with { Training = plan.Training with { Attention = (AttentionKind)change.Value } },
        PlanField.MicroBatchSize => plan with { Training = plan.Training with { MicroBatchSize = (int)change.Value } },
        PlanField.GradientAccumulationSteps => plan with { Training = plan.Training with { GradientAccumulationSteps = (int)change.Value } },
        PlanField.Method => plan with { Method = plan.Method with { Type = (FineTuneMethod)change.Value } },
        PlanField.Quantization => plan with { Model = plan.Model with { Quantization = (Quantization)change.Value } },
        PlanField.Dtype => plan with { Model = plan.Model with { Dtype = (WeightDtype)change.Value } },
        PlanField.Optimizer => plan with { Optimizer = plan.Optimizer with { Type = (OptimizerType)change.Value } },
        PlanField.LossKernel => plan with { Savers = ((LossChoice)change.Value).ApplyTo(plan.Savers) },
        PlanField.ActivationOffload => plan with { Savers = plan.Savers with { Offload = (ActivationOffload)change.Value } },
        _ => throw new ArgumentException($"the advice layer does not change {change.Field}", nameof(change)),
    };
}
