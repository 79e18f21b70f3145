using LspFineTune.Core.Planning;

namespace LspFineTune.Core.Estimation;

/// <summary>
/// What DoRA (Liu et al. 2024, "DoRA: Weight-Decomposed Low-Rank Adaptation") adds to LoRA, from PEFT's
/// <c>tuners/lora/dora.py</c> <c>DoraLinearLayer.forward</c> (huggingface/peft@0a6cd5a, and the later version that takes
/// <c>base_result</c>): per adapted linear of out_features o and in_features i, every forward
/// <list type="bullet">
/// <item>forms the full update B·A (o x i; 2 r i o FLOPs) and the row norms of W + s·B·A (read W, write and read the
/// sum), detached from the graph (DoRA §4.3), so nothing of it is saved;</item>
/// <item>computes <c>(m / ‖W + sBA‖ - 1) * base_result + m / ‖W + sBA‖ * lora_result * s</c>: the two products save their
/// tensor operands for the magnitude's gradient, base_result and lora_result, 2 x B x o per token;</item>
/// <item>with LoRA dropout, recomputes <c>base_result = F.linear(dropout(x), W)</c> (PEFT passes the base layer's output
/// only when dropout is the identity), a second matmul with W forward and its input gradient backward: 4 i o FLOPs per token.</item>
/// </list>
/// The magnitude vectors themselves are adapter parameters (<see cref="ParameterBudget.DoraParameters"/>).
/// </summary>
public static class DoraCost
{
    /// <summary>Bytes a block saves per token for DoRA's products, averaged over the blocks like the other parts.</summary>
    public static ActivationPart ActivationPart(TrainingPlan plan, ParameterBudget budget, double activationBytes)
    {
        var structure = budget.Structure;
        double layers = Math.Max(1, structure.Layers);
        var bytes = budget.AdaptedLinears.Sum(l => structure.LayersOf(l) / layers * 2 * activationBytes * l.OutFeatures * (double)l.ActiveCopies);
        return new ActivationPart("dora", bytes, "per adapted linear: 2 B out (base and LoRA results saved for the magnitude's gradient)");
    }

    /// <summary>Extra matmul FLOPs per token: the recomputed base matmul under LoRA dropout, forward and input gradient.</summary>
    public static double FlopsPerToken(TrainingPlan plan, ParameterBudget budget)
    {
        if (!plan.Method.Lora.UseDora || plan.Method.Type != FineTuneMethod.Lora || plan.Method.Lora.Dropout <= 0)
            return 0;
        var structure = budget.Structure;
        return 4.0 * budget.AdaptedLinears.Sum(l => (double)l.InFeatures * l.OutFeatures * l.ActiveCopies * structure.LayersOf(l));
    }

    /// <summary>
    /// Seconds per optimizer step of the weight norm, once per forward pass of every micro-batch (twice with
    /// checkpointing: the recomputed forward runs it again): the B·A product at the achieved FLOP rate plus streaming W
    /// (dequantized when stored in 4 or 8 bits) and the o x i sum through memory: read W, write B·A, read both, write and
    /// read the sum, about 5 passes of B bytes per weight.
    /// </summary>
    public static double WeightNormSeconds(TrainingPlan plan, ParameterBudget budget, double flopsPerSecond, double bytesPerSecond)
    {
        if (!plan.Method.Lora.UseDora || plan.Method.Type != FineTuneMethod.Lora)
            return 0;
        var structure = budget.Structure;
        var weights = budget.AdaptedLinears.Sum(l => (double)l.InFeatures * l.OutFeatures * l.Copies * structure.LayersOf(l));
        var passes = (plan.Training.GradientCheckpointing ? 2 : 1) * plan.Training.GradientAccumulationSteps;
        var compute = 2.0 * plan.Method.Lora.Rank * weights / flopsPerSecond;
        var memory = 5.0 * Precision.Bytes(plan.Model.Dtype) * weights / bytesPerSecond;
        return passes * (compute + memory);
    }
}
