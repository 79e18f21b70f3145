using LspFineTune.Core.Planning;

namespace LspFineTune.Core.Dialects.HuggingFace;

/// <summary>
/// FSDP as the estimate sees it: the same partitioning of parameters, gradients and optimizer states that ZeRO does
/// (PyTorch FSDP paper, Zhao et al. 2023, section 3: FULL_SHARD is ZeRO-3, SHARD_GRAD_OP is ZeRO-2, NO_SHARD is DDP),
/// so every dialect that shards with FSDP (axolotl <c>fsdp_config</c>, accelerate's <c>fsdp_config</c>, the HF
/// Trainer's <c>fsdp</c>, torchtune's distributed recipes) maps it to a ZeRO stage here. FSDP2 without
/// <c>reshard_after_forward</c> keeps the gathered parameters after forward, which is ZeRO-2's memory.
/// </summary>
public static class FsdpSharding
{
    /// <param name="strategy">The sharding strategy as written (FULL_SHARD, SHARD_GRAD_OP, NO_SHARD, HYBRID_SHARD, or
    /// a number 1-5 as accelerate's questionnaire writes it); null: full shard, both versions' default.</param>
    /// <param name="reshardAfterForward">FSDP2's flag; false keeps parameters gathered between forward and backward.</param>
    /// <param name="offload">Parameters (and so optimizer states, which FSDP keeps beside them) offloaded to CPU.</param>
    public static (DeepSpeedChoice Choice, string Note) Equivalent(string? strategy, bool? reshardAfterForward, bool offload)
    {
        var name = (strategy ?? "FULL_SHARD").Trim().ToUpperInvariant();
        var stage = name is "2" or "5" || name.Contains("SHARD_GRAD_OP") || name.Contains("ZERO2") || reshardAfterForward == false ? 2
            : name is "3" || name.Contains("NO_SHARD") ? 0
            : 3;
        var choice = new DeepSpeedChoice
        {
            Engine = ShardingEngine.Fsdp,
            ZeroStage = stage,
            OffloadParams = offload && stage == 3 ? OffloadTarget.Cpu : OffloadTarget.None,
            OffloadOptimizer = offload ? OffloadTarget.Cpu : OffloadTarget.None,
        };
        var note = $"FSDP is estimated as ZeRO-{stage}{(offload ? " with parameters and optimizer states offloaded to CPU" : "")}: the same partitioning of parameters, gradients and optimizer states across GPUs; its gathered units (the root and two blocks) are counted as zero3_gather_buffers.";
        return (choice, note);
    }
}
