using System.Text.Json.Nodes;
using LspFineTune.Core.Runs;
using LspFineTune.Core.Runs.Logs;
using LspFineTune.Core.Runs.History;

namespace LspFineTune.Server.Cli;

/// <summary>
/// A framework run's progress as the bundled trainer's metrics protocol (docs/trainer.md: one JSON object per line,
/// each with <c>"event"</c>), so whatever reads lft-train's progress (the language server's) reads a framework's too:
/// <c>start</c>, <c>step</c> (step, total_steps, loss, lr, tokens_per_second, step_ms, eta_seconds, epoch and
/// <c>peak_gpu_bytes</c>), and <c>end</c> or <c>cancelled</c> with the measured peak next to the estimate and the
/// run's <c>summary</c> line (what `lft train` prints at the end, for an editor's message).
/// </summary>
public static class FrameworkEvents
{
    public static JsonObject Start(string config, LaunchCommand command, EstimatedFigures? estimate, long? totalSteps) => new()
    {
        ["event"] = "start",
        ["config"] = config,
        ["engine"] = TrainArguments.Framework,
        ["framework"] = command.Framework,
        ["command"] = command.ShellText(),
        ["total_steps"] = totalSteps,
        ["estimated_peak_bytes"] = estimate?.ReservedBytes,
    };

    public static JsonObject Step(ProgressStep step) => new()
    {
        ["event"] = "step",
        ["step"] = step.Step,
        ["total_steps"] = step.TotalSteps,
        ["loss"] = Finite(step.Loss),
        ["lr"] = Finite(step.LearningRate),
        ["tokens_per_second"] = Finite(step.TokensPerSecond),
        ["tokens_per_second_per_gpu"] = Finite(step.TokensPerSecondPerGpu),
        ["step_ms"] = step.StepsPerSecond is > 0 and var rate ? Finite(1000 / rate) : null,
        ["peak_gpu_bytes"] = step.PeakBytes,
        ["epoch"] = Finite(step.Epoch),
        ["eta_seconds"] = Finite(step.EtaSeconds),
    };

    public static JsonObject End(RunOutcome outcome, int exitCode, MeasuredFigures measured, EstimatedFigures? estimate, string summary) => outcome == RunOutcome.Cancelled
        ? new JsonObject { ["event"] = "cancelled", ["step"] = measured.Steps, ["exit_code"] = exitCode, ["summary"] = summary }
        : new JsonObject
        {
            ["event"] = "end",
            ["step"] = measured.Steps,
            ["final_loss"] = Finite(measured.FinalLoss),
            ["peak_gpu_bytes"] = measured.PeakBytes,
            ["peak_kind"] = measured.PeakBytes is null ? null : measured.Kind.ToString().ToLowerInvariant(),
            ["estimated_peak_bytes"] = estimate?.For(measured.Kind),
            ["tokens_per_second_per_gpu"] = Finite(measured.TokensPerSecondPerGpu),
            ["mean_step_ms"] = measured.StepsPerSecond is > 0 and var rate ? Finite(1000 / rate) : null,
            ["exit_code"] = exitCode,
            ["summary"] = summary,
        };

    private static double? Finite(double? value) => value is { } v && double.IsFinite(v) ? v : null;
}
