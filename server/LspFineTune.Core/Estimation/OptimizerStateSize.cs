using LspFineTune.Core.Planning;

namespace LspFineTune.Core.Estimation;

/// <summary>
/// Bytes of optimizer state (moments, factors, projections) for the trainable tensors, not counting the
/// fp32 master copy (see <see cref="ModelStateMemory"/>). Each case names its source.
/// </summary>
public static class OptimizerStateSize
{
    /// <summary>bitsandbytes 8-bit optimizers quantize each state block-wise (2,048 values, one fp32 absmax each).</summary>
    private const double EightBitStateBytes = 1.0 + 4.0 / 2048;

    public static double Bytes(TrainingPlan plan, ParameterBudget budget)
    {
        var optimizer = plan.Optimizer;
        // fp32 states, or the dtype's in pure 16-bit training.
        var element = (double)Precision.StateElementBytes(plan);
        return optimizer.Type switch
        {
            // AdamW: first and second moments in fp32, 8 B/param (ZeRO paper; EleutherAI Transformer Math).
            // modules_to_save copies keep their moments in their own precision (SavedModules.StateElementBytes).
            OptimizerType.AdamW => 2 * element * (budget.TrainableParameters - budget.SavedModuleParameters)
                                   + 2.0 * SavedModules.StateElementBytes(plan) * budget.SavedModuleParameters,
            // 8-bit AdamW: both moments in 8 bits + block constants, ~2 B/param (HF model memory anatomy; Dettmers et al. 2022).
            OptimizerType.AdamW8bit => 2 * EightBitStateBytes * budget.TrainableParameters,
            // SGD without momentum (the Trainer default) keeps no state; zeroth-order SGD neither (MeZO).
            OptimizerType.Sgd or OptimizerType.ZoSgd => 0,
            OptimizerType.Adafactor => budget.TrainableGroups.Sum(AdafactorBytes) * element / 4,
            OptimizerType.AdaRankGrad => budget.TrainableGroups.Sum(g => LowRankBytes(g, optimizer.AdaRankGrad.MaxRank)) * element / 4,
            _ => 2 * element * budget.TrainableParameters,
        };
    }

    /// <summary>
    /// Adafactor (Shazeer and Stern 2018; HF defaults beta1=None): a matrix keeps a row and a column vector of the
    /// factored second moment in fp32, 4(m + n) B; a vector keeps its full second moment, 4n B; no first moment.
    /// </summary>
    private static double AdafactorBytes(TensorGroup group) =>
        group.Rows > 1 ? 4.0 * (group.Rows + group.Columns) * group.Count : 4.0 * group.Elements;

    /// <summary>
    /// AdaRankGrad / GaLore (Zhao et al. 2024, Table 1): a block matrix W (m x n, m &lt;= n) projected to rank r keeps the
    /// projection (m x r) and the two Adam moments of the r x n projected gradient: mr + 2nr values, in fp32.
    /// The peak is at the largest rank, <c>max_rank</c>; AdaRankGrad lowers it as training goes (Refael et al. 2024).
    /// Embeddings, head, norms and biases keep full AdamW moments (8 B), as GaLore does.
    /// </summary>
    private static double LowRankBytes(TensorGroup group, int maxRank)
    {
        if (!group.IsBlockLinear)
            return 8.0 * group.Elements;
        var m = Math.Min(group.Rows, group.Columns);
        var n = Math.Max(group.Rows, group.Columns);
        var r = Math.Min(maxRank, m);
        return 4.0 * (m * r + 2 * n * r) * group.Count;
    }
}
