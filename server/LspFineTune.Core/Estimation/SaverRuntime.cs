using LspFineTune.Core.Planning;

namespace LspFineTune.Core.Estimation;

/// <summary>
/// Step-time terms of the memory savers, each physics over a link: activation offloading's host copies over PCIe,
/// tensor parallelism's all-reduces and ring attention's K/V exchange over the GPU interconnect. Like the rest of
/// <see cref="RuntimeModel"/>, nothing is assumed to overlap except where the implementation is built to overlap.
/// </summary>
public static class SaverRuntime
{
    public static IEnumerable<RuntimeTerm> Terms(TrainingPlan plan, ParameterBudget budget, double computeSeconds, double linkBytesPerSecond)
    {
        var offload = OffloadSeconds(plan, budget, computeSeconds);
        if (offload > 0)
        {
            yield return new RuntimeTerm("activation_offload", offload, plan.Savers.Offload == ActivationOffload.Streams
                ? "checkpoints to host and back over PCIe, the part a side stream cannot hide behind compute"
                : "checkpoints to host and back over PCIe on the compute stream");
        }
        var tensorParallel = TensorParallelBytes(plan, budget) / linkBytesPerSecond;
        if (tensorParallel > 0)
            yield return new RuntimeTerm("tensor_parallel", tensorParallel, $"Megatron all-reduces of the block outputs across {ParallelDegrees.Tensor(plan)} GPUs");
        var contextParallel = ContextParallelBytes(plan, budget) / linkBytesPerSecond;
        if (contextParallel > 0)
            yield return new RuntimeTerm("context_parallel", contextParallel, $"ring attention passes each K/V shard around {ParallelDegrees.Context(plan)} GPUs");
    }

    /// <summary>
    /// Every offloaded byte crosses the host link twice per micro-batch (to the host in forward, back in backward) at
    /// <see cref="RuntimeModel.HostLinkGBps"/>. OffloadActivations' side stream overlaps the copies with compute
    /// (torchtune's docs: "overlap with the default computation stream"), so only the excess over compute shows; a copy on
    /// the compute stream (unsloth-style, <c>use_streams: False</c>) adds in full.
    /// </summary>
    public static double OffloadSeconds(TrainingPlan plan, ParameterBudget budget, double computeSeconds)
    {
        if (plan.Savers.Offload == ActivationOffload.None)
            return 0;
        var copies = new ActivationMemory(plan, budget).HostCopyBytes;
        var transfer = 2 * copies * plan.Training.GradientAccumulationSteps / (RuntimeModel.HostLinkGBps * 1e9);
        return plan.Savers.Offload == ActivationOffload.Streams ? Math.Max(0, transfer - computeSeconds) : transfer;
    }

    /// <summary>
    /// Megatron's tensor parallelism (Shoeybi et al. 2019 §3, Fig. 4) all-reduces the T x h output of attention and of the
    /// MLP in forward, and their input gradients in backward: 4 all-reduces per block per micro-batch (6 when the block is
    /// recomputed under checkpointing). A ring all-reduce of S bytes sends 2 (t - 1) / t S per GPU.
    /// </summary>
    public static double TensorParallelBytes(TrainingPlan plan, ParameterBudget budget)
    {
        var t = ParallelDegrees.Tensor(plan);
        if (t <= 1 || plan.Method.Type == FineTuneMethod.ZerothOrder)
            return 0;
        var layers = budget.Structure.Layers;
        var allReduces = 4.0 * layers + 2.0 * ActivationMemory.CheckpointedBlocks(plan, layers);
        var size = LogitsMemory.TokensPerGpu(plan) * plan.Model.Architecture.HiddenSize * Precision.Bytes(plan.Model.Dtype);
        return allReduces * 2 * (t - 1.0) / t * size * plan.Training.GradientAccumulationSteps;
    }

    /// <summary>
    /// Ring attention (Liu et al. 2023 §3; axolotl's ring-flash-attn) passes each GPU's K and V shard (2 g d B per token)
    /// around the cp GPUs: cp - 1 sends in forward, and in backward K, V and their gradients travel again (2 (cp - 1)),
    /// per attention block and micro-batch (a recomputed block repeats its forward).
    /// </summary>
    public static double ContextParallelBytes(TrainingPlan plan, ParameterBudget budget)
    {
        var cp = ParallelDegrees.Context(plan);
        if (cp <= 1 || plan.Method.Type == FineTuneMethod.ZerothOrder)
            return 0;
        var arch = plan.Model.Architecture;
        var attentionLayers = (double)arch.FullAttentionLayers + arch.SlidingWindowLayers;
        var recomputedShare = ActivationMemory.CheckpointedBlocks(plan, budget.Structure.Layers) / (double)Math.Max(1, budget.Structure.Layers);
        var shard = LogitsMemory.TokensPerGpu(plan) * 2.0 * arch.KeyValueHeads * arch.QueryKeyHeadDimension * Precision.Bytes(plan.Model.Dtype);
        return attentionLayers * (3 + recomputedShare) * (cp - 1) * shard * plan.Training.GradientAccumulationSteps;
    }
}
