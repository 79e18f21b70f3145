namespace LspFineTune.Core.Runs.Logs;

/// <summary>
/// What one framework log line says about the run, each figure null when the line does not say it. Memory is in bytes
/// (the frameworks print GiB: 2^30 bytes), speeds per second. One line rarely says everything: a tqdm bar gives the step
/// and the speed, the Trainer's dict line the loss, its memory keys the peak.
/// </summary>
public sealed record LogReading
{
    public long? Step { get; init; }

    public long? TotalSteps { get; init; }

    public double? Loss { get; init; }

    public double? LearningRate { get; init; }

    public double? GradNorm { get; init; }

    public double? Epoch { get; init; }

    public double? EvalLoss { get; init; }

    /// <summary>Tokens per second on one GPU (axolotl's and torchtune's figures are per GPU).</summary>
    public double? TokensPerSecondPerGpu { get; init; }

    /// <summary>Tokens per second over all GPUs (the HF Trainer's num_input_tokens_seen is gathered from every process).</summary>
    public double? TokensPerSecond { get; init; }

    /// <summary>Optimizer steps per second (a tqdm bar's it/s).</summary>
    public double? StepsPerSecond { get; init; }

    public double? SamplesPerSecond { get; init; }

    public double? RemainingSeconds { get; init; }

    /// <summary>The peak of <c>torch.cuda.max_memory_allocated</c> since the last report (per GPU, rank 0).</summary>
    public long? PeakAllocatedBytes { get; init; }

    /// <summary>The peak of <c>torch.cuda.max_memory_reserved</c> since the last report: what the caching allocator held.</summary>
    public long? PeakReservedBytes { get; init; }

    /// <summary>Which framework's words the peak came in ("axolotl memory/max_allocated (GiB)").</summary>
    public string? MemorySource { get; init; }

    /// <summary>The Trainer's end of training: <c>train_runtime</c> seconds and the mean <c>train_loss</c>.</summary>
    public double? TrainRuntimeSeconds { get; init; }

    public double? TrainLoss { get; init; }

    /// <summary>A file the framework writes its metrics to instead of the terminal (torchtune's DiskLogger).</summary>
    public string? MetricsFile { get; init; }

    public const double BytesPerGib = 1024d * 1024 * 1024;

    public static long? GibToBytes(double? gib) => gib is { } value && double.IsFinite(value) && value >= 0 ? (long)Math.Round(value * BytesPerGib) : null;
}
