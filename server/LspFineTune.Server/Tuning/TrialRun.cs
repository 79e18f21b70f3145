using System.Diagnostics;
using System.Text.Json.Nodes;
using LspFineTune.Server.Training;

namespace LspFineTune.Server.Tuning;

/// <summary>What one lft-train run of a trial reported: its eval loss at the step it stopped (early) or ended, and
/// how long it took; or why it failed (the trainer's last log line).</summary>
public sealed record TrialOutcome(double? EvalLoss, double Seconds, string? Problem);

/// <summary>Runs one trial's lft-train subprocess: the config with the trial's `--set` overrides, in its own output
/// folder, up to a step (the early score) or, resumed, to the end.</summary>
public static class TrialRun
{
    public static async Task<TrialOutcome> RunAsync(TrainerProgram trainer, string configPath, IReadOnlyList<string> options, CancellationToken cancellation)
    {
        var watch = Stopwatch.StartNew();
        double? evalLoss = null;
        string? lastLog = null;
        using var run = TrainerRun.Start(trainer, configPath, options, metrics =>
        {
            var name = metrics["event"]?.GetValue<string>();
            if (name is "stopped" or "end" && metrics["eval_loss"] is JsonValue loss && loss.TryGetValue<double>(out var value))
                evalLoss = value;
            return Task.CompletedTask;
        }, line => lastLog = line);
        await using var cancel = cancellation.Register(run.Cancel);
        var code = await run.WaitAsync().ConfigureAwait(false);
        watch.Stop();
        var problem = code == 0 ? evalLoss is null ? "lft-train reported no eval loss (does the config set data.eval?)" : null
            : code == TrainerRun.CancelledExitCode ? "cancelled"
            : $"lft-train exited {code}: {lastLog}";
        return new TrialOutcome(problem is null ? evalLoss : null, watch.Elapsed.TotalSeconds, problem);
    }
}
