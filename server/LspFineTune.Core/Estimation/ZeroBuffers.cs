using LspFineTune.Core.Planning;

namespace LspFineTune.Core.Estimation;

/// <summary>
/// Buffers a sharding engine needs beyond the partitioned states: the parameters it gathers for compute and the
/// buckets it reduces gradients through, from the DeepSpeed config's own values where it states them.
/// </summary>
public static class ZeroBuffers
{
    /// <summary>DeepSpeed's default reduce_bucket_size / allgather_bucket_size: 5e8 elements.</summary>
    public const double BucketElements = 5e8;

    /// <summary>DeepSpeed's default stage3_prefetch_bucket_size: 5e7 elements.</summary>
    public const double PrefetchBucketElements = 5e7;

    /// <summary>
    /// The Hugging Face integration fills "auto" with the model's hidden size h (transformers integrations/deepspeed.py
    /// <c>trainer_config_finalize</c>): reduce_bucket_size = h², stage3_prefetch_bucket_size = 0.9 h².
    /// </summary>
    public const double AutoPrefetchFraction = 0.9;

    public static double Zero3GatherBytes(TrainingPlan plan, ParameterBudget budget, out string formula)
    {
        formula = "";
        if (plan.DeepSpeed.ZeroStage != 3 || plan.Hardware.TotalGpus == 1 && plan.DeepSpeed.OffloadParams == OffloadTarget.None)
            return 0;
        return plan.DeepSpeed.Engine == ShardingEngine.Fsdp
            ? FsdpGatherBytes(plan, budget, out formula)
            : DeepSpeedGatherBytes(plan, budget, out formula);
    }

    /// <summary>
    /// ZeRO-3 all-gathers each module's 16-bit parameters before use and keeps the next ones prefetched; in backward
    /// the gathered module's full 16-bit gradients exist until reduce-scattered. DeepSpeed's ZeRO-3 estimator counts
    /// the largest layer's parameters and gradients (4 x largest_layer_params bytes); with the prefetch bucket:
    /// 2 B x (largest layer + prefetch bucket) + 2 B x largest layer (its gradients, when it trains).
    /// </summary>
    private static double DeepSpeedGatherBytes(TrainingPlan plan, ParameterBudget budget, out string formula)
    {
        var largest = (double)budget.Structure.LargestLayerParameters;
        var b = Precision.Bytes(plan.Model.Dtype);
        var h = (double)plan.Model.Architecture.HiddenSize;
        var bucket = plan.DeepSpeed.PrefetchBucketElements ?? (plan.DeepSpeed.PrefetchBucketAuto ? AutoPrefetchFraction * h * h : PrefetchBucketElements);
        var prefetch = Math.Min(bucket, budget.BaseParameters);
        var gradients = plan.Method.Type == FineTuneMethod.Full ? b * largest : 0;
        var bucketSource = plan.DeepSpeed.PrefetchBucketElements is not null ? "stage3_prefetch_bucket_size" : plan.DeepSpeed.PrefetchBucketAuto ? "auto = 0.9 h²" : "default";
        formula = $"{b} B x (largest layer {largest:N0} + prefetch {prefetch:N0}, {bucketSource})" + (gradients > 0 ? " + its gradients" : "");
        return b * (largest + prefetch) + gradients;
    }

    /// <summary>
    /// FSDP (FULL_SHARD) gathers one wrapped unit at a time, a decoder block under the transformer auto-wrap policy
    /// accelerate, axolotl and torchtune use, and prefetches the next (FSDP1's BACKWARD_PRE default, FSDP2's implicit
    /// prefetch): two blocks' parameters in the compute dtype. The root unit (embeddings, the head and the final norm)
    /// is not resharded between forward and backward (FSDP1 never reshards the root; FSDP2 sets
    /// reshard_after_forward=False on it), so it stays gathered for the whole step. A trained block's unsharded
    /// gradients exist until reduce-scattered. A quantized block is gathered in its storage format (QLoRA's
    /// bnb_4bit_quant_storage). Zhao et al. 2023 (PyTorch FSDP), sections 3.2-3.3; torch.distributed.fsdp.
    /// </summary>
    private static double FsdpGatherBytes(TrainingPlan plan, ParameterBudget budget, out string formula)
    {
        var structure = budget.Structure;
        var b = (double)Precision.Bytes(plan.Model.Dtype);
        var block = (double)structure.LargestBlockParameters;
        var linearsPerBlock = budget.BlockLinearWeights / (double)Math.Max(1, structure.Layers);
        var blockBytes = Precision.FrozenBlockStorage(plan) is { } frozen
            ? Math.Max(0, block - linearsPerBlock) * b + Math.Min(block, linearsPerBlock) * frozen.Bytes
            : block * b;
        var root = (double)(structure.EmbeddingParameters + structure.LmHeadParameters + structure.FinalNormParameters);
        var gradients = plan.Method.Type == FineTuneMethod.Full ? block * b : 0;
        formula = $"root unit (embeddings, head) {root:N0} x {b} B + 2 blocks gathered (current + prefetched) {2 * blockBytes:N0} B" + (gradients > 0 ? " + one block's unsharded gradients" : "");
        return root * b + 2 * blockBytes + gradients;
    }

    /// <summary>
    /// Stage 1 and 2 reduce gradients and gather updated weights through flat buckets of reduce_bucket_size elements
    /// (5e8 by default, h² when "auto"; EleutherAI cookbook calc_transformer_mem.py adds allgather_bucket_size x bytes per
    /// param; 1 GB at 16 bits). Only with more than one GPU and a trained model of that size; capped at the trainable
    /// parameters.
    /// </summary>
    public static double CommunicationBytes(TrainingPlan plan, ParameterBudget budget, out string formula)
    {
        formula = "";
        var stage = plan.DeepSpeed.ZeroStage;
        if (stage is < 1 or > 2 || plan.Hardware.TotalGpus == 1 || budget.TrainableParameters == 0 || plan.DeepSpeed.Engine == ShardingEngine.Fsdp)
            return 0;
        var h = (double)plan.Model.Architecture.HiddenSize;
        var bucket = plan.DeepSpeed.ReduceBucketElements ?? (plan.DeepSpeed.ReduceBucketAuto ? h * h : BucketElements);
        var elements = Math.Min(bucket, budget.TrainableParameters);
        var b = Precision.Bytes(plan.Model.Dtype);
        formula = $"{b} B x all-gather bucket {elements:N0}";
        return b * elements;
    }
}
