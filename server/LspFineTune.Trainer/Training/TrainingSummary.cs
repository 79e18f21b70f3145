namespace LspFineTune.Trainer.Training;

/// <summary>What a finished run reports (also the "end" metrics event).</summary>
public sealed record TrainingSummary
{
    public required long Steps { get; init; }
    public required double FinalLoss { get; init; }
    public double? InitialEvalLoss { get; init; }
    public double? FinalEvalLoss { get; init; }
    public required long PeakRssBytes { get; init; }
    public long? EstimatedPeakBytes { get; init; }
    public required double MeanStepMs { get; init; }
    public required double TokensPerSecond { get; init; }
    public string? AdapterDirectory { get; init; }
    public string? ModelDirectory { get; init; }
    public required long TrainableParameters { get; init; }

    /// <summary>Stopped early by a signal; a checkpoint of the last completed step was written.</summary>
    public bool Cancelled { get; init; }

    /// <summary>Stopped at --stop-after-steps with an eval and a checkpoint; --resume continues it.</summary>
    public bool StoppedEarly { get; init; }
}
