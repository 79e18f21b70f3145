using LspFineTune.Core.Planning;

namespace LspFineTune.Core.Estimation;

/// <summary>
/// SensZOQ's mask choice (Guo et al. 2024, arXiv 2406.02913) as the bundled trainer runs it: before the first step,
/// in the same process, a gradient pass over the calibration batch sums every weight's squared gradient (the
/// empirical Fisher diagonal) and keeps the top <c>trainable_fraction</c>. That pass, not the zeroth-order steps,
/// can be the run's peak: the fp32 Fisher sums of all P weights (4P), plus the larger of a gradient pass's saved
/// activations and loss buffers (as in full fine-tuning) and the gradients at the end of backward (BP); or, when the
/// top-k is taken, the sums and their concatenation (8P). Only for the bundled trainer on CPU: a GPU run may take its
/// mask from elsewhere (the paper computes it once and reuses it across tasks).
/// </summary>
public static class SensitivityPassMemory
{
    public static bool Applies(TrainingPlan plan) =>
        plan.Method.Type == FineTuneMethod.ZerothOrder && plan.Method.ZerothOrder.TrainableFraction < 1 && !plan.Method.ZerothOrder.OverLora
        && plan.Hardware.Gpu.IsCpu;

    /// <summary>Bytes beyond the weights while the mask is chosen.</summary>
    public static double Bytes(TrainingPlan plan, ParameterBudget budget, out string formula)
    {
        var gradientPlan = plan with { Method = plan.Method with { Type = FineTuneMethod.Full } };
        var forward = ObjectiveMemory.ForwardPlan(SequenceShape.AtPeak(gradientPlan));
        var activations = new ActivationMemory(forward, new ParameterBudget(gradientPlan)).Bytes;
        var logits = LogitsMemory.Bytes(forward, out _);
        double P = budget.BaseParameters, B = Precision.Bytes(plan.Model.Dtype);
        var fisher = 4 * P;
        var backward = Math.Max(activations + logits, B * P);
        var selection = 4 * P; // the concatenated sums for top-k
        formula = $"4 B x {P:N0} fp32 Fisher sums + " + (selection > backward
            ? "their concatenation for the top-k"
            : activations + logits >= B * P ? "a gradient pass's activations and loss buffers" : "the gradients at the end of backward")
            + " (SensZOQ's mask, chosen by lft-train before the first step)";
        return fisher + Math.Max(backward, selection);
    }
}
