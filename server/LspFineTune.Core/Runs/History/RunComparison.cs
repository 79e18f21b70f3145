using System.Globalization;
using System.Text.Json.Nodes;
using LspFineTune.Core.Estimation;

namespace LspFineTune.Core.Runs.History;

/// <summary>A run's measured peak next to the estimate's figure for the same quantity, as every front end says it.</summary>
public static class RunComparison
{
    /// <summary>"17.0 GB reserved measured vs 16.3 GB estimated (estimate −4%)"; without an estimate, the measurement alone.</summary>
    public static string Describe(long measured, MeasuredKind kind, long? estimated, bool binaryUnits)
    {
        var what = kind switch { MeasuredKind.Reserved => " reserved", MeasuredKind.Allocated => " allocated", _ => "" };
        var text = $"{ByteSizes.Format(measured, binaryUnits)}{what} measured";
        if (estimated is > 0 and var estimate && measured > 0)
        {
            var error = ((double)estimate / measured - 1) * 100;
            text += $" vs {ByteSizes.Format(estimate, binaryUnits)} estimated (estimate {(error >= 0 ? "+" : "−")}{Math.Abs(error).ToString("0", CultureInfo.InvariantCulture)}%)";
        }
        return text;
    }

    /// <summary>The same for a record read back from the history (<see cref="RunHistory.ToJson"/>'s shape); null when it
    /// measured no peak.</summary>
    public static string? Describe(JsonObject run, bool binaryUnits)
    {
        if (run["measured"]?["peak_bytes"] is not JsonValue peak || !peak.TryGetValue<long>(out var measured))
            return null;
        var kind = (string?)run["measured"]?["peak_kind"] switch { "rss" => MeasuredKind.Rss, "allocated" => MeasuredKind.Allocated, _ => MeasuredKind.Reserved };
        var estimate = run["estimate"] as JsonObject;
        var key = kind switch { MeasuredKind.Reserved => "reserved_bytes", MeasuredKind.Allocated => "allocated_bytes", _ => "peak_bytes_per_gpu" };
        long? estimated = estimate?[key] is JsonValue value && value.TryGetValue<long>(out var bytes) ? bytes : null;
        return Describe(measured, kind, estimated, binaryUnits);
    }

    /// <summary>"Last run: 18.3 GB reserved measured vs 17.9 GB estimated (estimate −2%)", and when the file changed since,
    /// that the run was of an earlier version; null when the run measured no peak.</summary>
    public static string? LastRun(JsonObject run, string currentText, bool binaryUnits) =>
        Describe(run, binaryUnits) is { } measured
            ? $"Last run: {measured}" + ((string?)run["config_sha256"] == RunHistory.Hash(currentText) ? "" : " (an earlier version of this file)")
            : null;
}
