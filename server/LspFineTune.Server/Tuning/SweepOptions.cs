namespace LspFineTune.Server.Tuning;

/// <summary>How `lft sweep` searches (CONFIG.md "Running, exporting and tuning").</summary>
public sealed record SweepOptions
{
    public int Trials { get; init; } = 12;

    /// <summary>The fraction of the whole schedule each trial trains before it is scored (Oliver and Wang 2024: 0.2).</summary>
    public double EarlyFraction { get; init; } = 0.2;

    public int Seed { get; init; }

    /// <summary>Trials at once; null: from the cores and the memory estimate (<see cref="SweepParallelism"/>).</summary>
    public int? Parallel { get; init; }

    /// <summary>`KEY=lo..hi` or `KEY=V1,V2,...`: dimensions that replace or extend the space read from the config.</summary>
    public IReadOnlyList<string> Space { get; init; } = [];

    /// <summary>How many of the best early trials resume to the end (the paper kept its top 5; at least 3 here).</summary>
    public int Finalists { get; init; } = 3;
}
