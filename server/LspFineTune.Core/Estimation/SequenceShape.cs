using LspFineTune.Core.Planning;

namespace LspFineTune.Core.Estimation;

/// <summary>
/// Tokens per sequence that a micro-batch holds, for memory and for time. Packed micro-batches (axolotl sample_packing,
/// TRL packing, torchtune packed datasets) and ones padded to the sequence length (axolotl pad_to_sequence_len) are
/// always full. Otherwise a batch is padded to its longest example: the peak comes with the data set's longest example
/// (cut at the sequence length), a step's time with the expected longest of b examples. Without the data's lengths
/// (no readable data file, no stated lengths) both are the sequence length: the worst case, and the estimate says so.
/// </summary>
public static class SequenceShape
{
    /// <summary>Whether every micro-batch holds the full sequence length whatever the data.</summary>
    public static bool AlwaysFull(TrainingPlan plan) => plan.Training.Packing || plan.Training.PadToSequenceLength;

    /// <summary>Tokens per sequence at the peak: the longest batch.</summary>
    public static double PeakTokens(TrainingPlan plan)
    {
        var s = (double)plan.Training.SequenceLength;
        return AlwaysFull(plan) || plan.Data.Lengths is not { } lengths ? s : Math.Max(1, Math.Min(s, lengths.Longest));
    }

    /// <summary>Tokens per sequence of an average micro-batch: padded to its expected longest example.</summary>
    public static double MeanTokens(TrainingPlan plan)
    {
        var s = (double)plan.Training.SequenceLength;
        if (AlwaysFull(plan))
            return s;
        if (plan.Data.Lengths is { } lengths)
            return Math.Max(1, lengths.ExpectedLongestOf(Math.Max(1, plan.Training.MicroBatchSize), s));
        return plan.Data.MeanTokensPerExample is { } mean ? Math.Min(s, mean) : s;
    }

    /// <summary>The plan as its peak micro-batch shapes it: the sequence length the memory terms see.</summary>
    public static TrainingPlan AtPeak(TrainingPlan plan)
    {
        var peak = (int)Math.Ceiling(PeakTokens(plan));
        return peak == plan.Training.SequenceLength ? plan : plan with { Training = plan.Training with { SequenceLength = peak } };
    }
}
