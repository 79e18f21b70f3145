using LspFineTune.Core.Planning;

namespace LspFineTune.Core.Advice;

/// <summary>The config changes that turn one plan into another, over the fields the advice layer changes.</summary>
public static class PlanDiff
{
    public static IReadOnlyList<ConfigChange> Between(TrainingPlan from, TrainingPlan to)
    {
        var changes = new List<ConfigChange>();
        void Add(string path, object before, object after)
        {
            if (!Equals(before, after))
                changes.Add(new ConfigChange(path, after));
        }
        Add("method.type", from.Method.Type.ToConfigName(), to.Method.Type.ToConfigName());
        Add("model.quantization", from.Model.Quantization.ToConfigName(), to.Model.Quantization.ToConfigName());
        Add("deepspeed.zero_stage", from.DeepSpeed.ZeroStage, to.DeepSpeed.ZeroStage);
        Add("deepspeed.offload_optimizer", from.DeepSpeed.OffloadOptimizer.ToConfigName(), to.DeepSpeed.OffloadOptimizer.ToConfigName());
        Add("deepspeed.offload_params", from.DeepSpeed.OffloadParams.ToConfigName(), to.DeepSpeed.OffloadParams.ToConfigName());
        Add("training.gradient_checkpointing", from.Training.GradientCheckpointing, to.Training.GradientCheckpointing);
        Add("training.attention", from.Training.Attention.ToConfigName(), to.Training.Attention.ToConfigName());
        Add("training.micro_batch_size", from.Training.MicroBatchSize, to.Training.MicroBatchSize);
        Add("training.gradient_accumulation_steps", from.Training.GradientAccumulationSteps, to.Training.GradientAccumulationSteps);
        Add("optimizer.type", from.Optimizer.Type.ToConfigName(), to.Optimizer.Type.ToConfigName());
        return changes;
    }
}
