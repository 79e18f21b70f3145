using LspFineTune.Core.Planning;

namespace LspFineTune.Core.Estimation;

/// <summary>
/// Buffers DeepSpeed ZeRO needs beyond the partitioned states, at DeepSpeed's default settings.
/// </summary>
public static class ZeroBuffers
{
    /// <summary>DeepSpeed's default reduce_bucket_size / allgather_bucket_size: 5e8 elements.</summary>
    public const double BucketElements = 5e8;

    /// <summary>DeepSpeed's default stage3_prefetch_bucket_size: 5e7 elements.</summary>
    public const double PrefetchBucketElements = 5e7;

    /// <summary>
    /// ZeRO-3 all-gathers each module's 16-bit parameters before use and keeps the next ones prefetched; in backward
    /// the gathered block's full 16-bit gradients exist until reduce-scattered. DeepSpeed's ZeRO-3 estimator counts
    /// the largest layer's parameters and gradients (4 x largest_layer_params bytes); with the prefetch bucket:
    /// 2 B x (largest layer + prefetch bucket) + 2 B x largest layer (its gradients, when it trains).
    /// </summary>
    public static double Zero3GatherBytes(TrainingPlan plan, ParameterBudget budget, out string formula)
    {
        formula = "";
        if (plan.DeepSpeed.ZeroStage != 3 || plan.Hardware.TotalGpus == 1 && plan.DeepSpeed.OffloadParams == OffloadTarget.None)
            return 0;
        var largest = (double)budget.Structure.LargestLayerParameters;
        var b = Precision.Bytes(plan.Model.Dtype);
        var prefetch = Math.Min(PrefetchBucketElements, budget.BaseParameters);
        var gradients = plan.Method.Type == FineTuneMethod.Full ? b * largest : 0;
        formula = $"{b} B x (largest layer {largest:N0} + prefetch {prefetch:N0})" + (gradients > 0 ? " + its gradients" : "");
        return b * (largest + prefetch) + gradients;
    }

    /// <summary>
    /// Stage 1 and 2 reduce gradients and gather updated weights through flat buckets of 5e8 elements each
    /// (EleutherAI cookbook calc_transformer_mem.py adds allgather_bucket_size x bytes per param; 1 GB at 16 bits).
    /// Only with more than one GPU and a trained model of that size; capped at the trainable parameters.
    /// </summary>
    public static double CommunicationBytes(TrainingPlan plan, ParameterBudget budget, out string formula)
    {
        formula = "";
        var stage = plan.DeepSpeed.ZeroStage;
        if (stage is < 1 or > 2 || plan.Hardware.TotalGpus == 1 || budget.TrainableParameters == 0)
            return 0;
        var elements = Math.Min(BucketElements, budget.TrainableParameters);
        var b = Precision.Bytes(plan.Model.Dtype);
        formula = $"{b} B x all-gather bucket {elements:N0}";
        return b * elements;
    }
}
