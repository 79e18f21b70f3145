using LspFineTune.Core.Estimation;

namespace LspFineTune.Core.Runs.History;

/// <summary>What a run's peak counts: the trainer process's resident memory (the bundled trainer on CPU), or the CUDA
/// caching allocator's reserved or allocated peak per GPU (what the frameworks log).</summary>
public enum MeasuredKind { Rss, Reserved, Allocated }

/// <summary>How a run ended.</summary>
public enum RunOutcome { Done, Cancelled, Failed }

/// <summary>The estimate a run is compared with, as it was when the run started.</summary>
/// <param name="TokensPerSecondPerGpu">The estimate's tokens per second over all GPUs, divided by them.</param>
public sealed record EstimatedFigures(long PeakBytes, long AllocatedBytes, long ReservedBytes, double StepSeconds, double TokensPerSecondPerGpu)
{
    public static EstimatedFigures Of(Estimate estimate) => new(estimate.Memory.PeakBytes, estimate.Memory.AllocatedBytes, estimate.Memory.ReservedBytes,
        estimate.Runtime.StepSeconds, estimate.Runtime.TokensPerSecond / Math.Max(1, estimate.Plan.Hardware.TotalGpus));

    /// <summary>The estimate's figure for what a run measured: the whole peak for a process's resident memory (the CPU
    /// estimate is of the process), the allocator's reserved or allocated bytes for a GPU run's peak.</summary>
    public long For(MeasuredKind kind) => kind switch
    {
        MeasuredKind.Reserved => ReservedBytes,
        MeasuredKind.Allocated => AllocatedBytes,
        _ => PeakBytes,
    };
}

/// <summary>What a run reported about itself (any figure null when it did not say).</summary>
public sealed record MeasuredFigures
{
    public long? PeakBytes { get; init; }

    public MeasuredKind Kind { get; init; } = MeasuredKind.Reserved;

    /// <summary>Where the peak was read ("axolotl's memory/max_allocated and memory/device_reserved (GiB)").</summary>
    public string? Source { get; init; }

    public long? Steps { get; init; }

    public double? FinalLoss { get; init; }

    public double? TokensPerSecondPerGpu { get; init; }

    public double? StepsPerSecond { get; init; }
}

/// <summary>The hardware a run was estimated for, and where that came from (flag, modeline, launch-file, ...).</summary>
public sealed record RunHardware(string Gpu, int GpusPerNode, int Nodes, string Source);

/// <summary>
/// One run of a config, as appended to <c>.lft/runs.jsonl</c> next to it: which config (its name and the SHA-256 of its
/// text), on what hardware, with which engine and command, the estimate, what the run measured, and how it ended.
/// </summary>
public sealed record RunRecord
{
    public required DateTimeOffset Time { get; init; }

    /// <summary>The config's file name (the history sits in its folder).</summary>
    public required string Config { get; init; }

    public required string ConfigSha256 { get; init; }

    public string? Dialect { get; init; }

    /// <summary><c>bundled</c> or <c>framework</c>.</summary>
    public required string Engine { get; init; }

    /// <summary>The framework started (axolotl, llamafactory, trl, torchtune), or lft-train.</summary>
    public string? Framework { get; init; }

    public string? Command { get; init; }

    public RunHardware? Hardware { get; init; }

    public EstimatedFigures? Estimate { get; init; }

    public MeasuredFigures Measured { get; init; } = new();

    public required int ExitCode { get; init; }

    public required RunOutcome Outcome { get; init; }

    public double Seconds { get; init; }
}
