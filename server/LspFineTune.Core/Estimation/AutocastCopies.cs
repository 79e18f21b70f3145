using LspFineTune.Core.Planning;

namespace LspFineTune.Core.Estimation;

/// <summary>
/// The 16-bit copies autocast makes of fp32 weights. Under <c>torch.autocast</c> each linear casts its fp32 weight to the
/// autocast dtype, and the matmul saves that cast copy for backward (its input gradient needs it); autocast also caches
/// the cast of a leaf that requires grad until the autocast region ends (aten/src/ATen/autocast_mode.cpp,
/// <c>cached_cast</c>). So at the start of backward every block's linears and the head exist once more in 16 bits:
/// 2 B per weight. With gradient checkpointing the blocks' forwards keep nothing and one block is recomputed at a time,
/// so one block's copies and the head's remain. Weights sharded by ZeRO-3 or FSDP are gathered in 16 bits (FSDP's
/// <c>param_dtype</c>; DeepSpeed's 16-bit partitions), which the gather buffers count; quantized weights are dequantized
/// per op by their kernel, not cast by autocast.
/// </summary>
public static class AutocastCopies
{
    public static double Bytes(TrainingPlan plan, ParameterBudget budget, out string formula)
    {
        formula = "";
        var copyBytes = Precision.AutocastCopyBytes(plan);
        var fp32Weights = Precision.StorageDtype(plan) == WeightDtype.Fp32
            || plan.Method.Type == FineTuneMethod.Full && Precision.TrainedWeightBytes(plan) == 4;
        if (copyBytes == 0 || !fp32Weights || plan.DeepSpeed.ZeroStage == 3)
            return 0;
        var structure = budget.Structure;
        // A quantized frozen base keeps its block linears in its own format (dequantized per op).
        var blockWeights = Precision.FrozenBlockStorage(plan) is null ? (double)budget.BlockLinearWeights : 0;
        var head = (double)(structure.LmHeadParameters > 0 ? structure.LmHeadParameters : structure.EmbeddingParameters);
        if (plan.Training.GradientCheckpointing)
        {
            var oneBlock = blockWeights / Math.Max(1, structure.Layers);
            formula = $"{copyBytes} B x (one recomputed block's linears {oneBlock:N0} + head {head:N0}): fp32 weights cast for 16-bit matmuls";
            return copyBytes * (oneBlock + head);
        }
        formula = $"{copyBytes} B x (block linears {blockWeights:N0} + head {head:N0}): fp32 weights cast for 16-bit matmuls, saved for backward";
        return copyBytes * (blockWeights + head);
    }
}
