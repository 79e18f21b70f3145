using LspFineTune.Core.Dialects;
using LspFineTune.Core.Planning;

namespace LspFineTune.Core.Advice;

/// <summary>The plan changes that turn one plan into another, over the fields the advice layer changes.</summary>
public static class PlanDiff
{
    public static IReadOnlyList<PlanChange> Between(TrainingPlan from, TrainingPlan to)
    {
        var changes = new List<PlanChange>();
        void Add(PlanField field, object before, object after)
        {
            if (!Equals(before, after))
                changes.Add(new PlanChange(field, after));
        }
        Add(PlanField.Method, from.Method.Type, to.Method.Type);
        Add(PlanField.Quantization, from.Model.Quantization, to.Model.Quantization);
        Add(PlanField.ZeroStage, from.DeepSpeed.ZeroStage, to.DeepSpeed.ZeroStage);
        Add(PlanField.OffloadOptimizer, from.DeepSpeed.OffloadOptimizer, to.DeepSpeed.OffloadOptimizer);
        Add(PlanField.OffloadParams, from.DeepSpeed.OffloadParams, to.DeepSpeed.OffloadParams);
        Add(PlanField.GradientCheckpointing, from.Training.GradientCheckpointing, to.Training.GradientCheckpointing);
        Add(PlanField.Attention, from.Training.Attention, to.Training.Attention);
        Add(PlanField.MicroBatchSize, from.Training.MicroBatchSize, to.Training.MicroBatchSize);
        Add(PlanField.GradientAccumulationSteps, from.Training.GradientAccumulationSteps, to.Training.GradientAccumulationSteps);
        Add(PlanField.Optimizer, from.Optimizer.Type, to.Optimizer.Type);
        Add(PlanField.LossKernel, LossChoice.Of(from.Savers), LossChoice.Of(to.Savers));
        Add(PlanField.ActivationOffload, from.Savers.Offload, to.Savers.Offload);
        return changes;
    }
}
