using System.Text.Json;
using System.Text.Json.Nodes;
using LspFineTune.Core.Runs.History;

namespace LspFineTune.Server.Training;

/// <summary>
/// What the bundled trainer's metrics lines (docs/trainer.md) say about a run's end: its outcome and its measured
/// figures (peak resident memory, steps, loss, speed), for the run history of either front end.
/// </summary>
public sealed class BundledMetrics
{
    private JsonObject? _start;
    private JsonObject? _lastStep;
    private JsonObject? _end;
    private JsonObject? _cancelled;

    /// <summary>Whether the trainer started training (a config it refused before its first step is not a run).</summary>
    public bool Started => _start is not null;

    public JsonObject? End => _end;

    public JsonObject? Cancelled => _cancelled;

    /// <summary>One metrics event (an object with "event").</summary>
    public void Add(JsonObject metrics)
    {
        switch ((string?)metrics["event"])
        {
            case "start": _start = metrics; break;
            case "step": _lastStep = metrics; break;
            case "end": _end = metrics; break;
            case "cancelled": _cancelled = metrics; break;
        }
    }

    /// <summary>A line of the trainer's stdout as a metrics event, or null when it is not one.</summary>
    public static JsonObject? Parse(string line)
    {
        if (!line.StartsWith('{'))
            return null;
        try
        {
            return JsonNode.Parse(line) is JsonObject metrics && metrics["event"] is JsonValue ? metrics : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public RunOutcome Outcome(int exitCode) =>
        _end is not null ? RunOutcome.Done : _cancelled is not null || exitCode == TrainerRun.CancelledExitCode ? RunOutcome.Cancelled : RunOutcome.Failed;

    /// <summary>The peak resident memory (VmHWM) is what the CPU estimate predicts: the whole process.</summary>
    public MeasuredFigures Measured()
    {
        var last = _end ?? _cancelled ?? _lastStep;
        return new MeasuredFigures
        {
            PeakBytes = Long(_end ?? _lastStep, "peak_rss_bytes"),
            Kind = MeasuredKind.Rss,
            Source = "lft-train's peak resident memory (VmHWM)",
            Steps = Long(last, "step"),
            FinalLoss = Number(_end, "final_loss") ?? Number(_lastStep, "loss"),
            TokensPerSecondPerGpu = Number(_end ?? _lastStep, "tokens_per_second"),
            StepsPerSecond = Number(_end, "mean_step_ms") is > 0 and var ms ? 1000 / ms : null,
        };
    }

    private static double? Number(JsonObject? metrics, string name) =>
        metrics?[name] is JsonValue value && value.TryGetValue<double>(out var number) && double.IsFinite(number) ? number : null;

    private static long? Long(JsonObject? metrics, string name) => Number(metrics, name) is { } number ? (long)number : null;
}
