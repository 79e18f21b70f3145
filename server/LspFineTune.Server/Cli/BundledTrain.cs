using System.Text.Json;
using System.Text.Json.Nodes;
using LspFineTune.Core;
using LspFineTune.Core.Runs;
using LspFineTune.Core.Runs.History;
using LspFineTune.Server.Training;

namespace LspFineTune.Server.Cli;

/// <summary>
/// `lft train FILE [--engine bundled] [trainer options]`: the bundled trainer (lft-train) on this machine, its metrics
/// and log streaming through to this terminal as before, stopped like a framework run (SIGINT to its group: it finishes
/// the step, checkpoints it and exits 130), and at the end its measured peak next to the estimate in the run history.
/// </summary>
public static class BundledTrain
{
    public static int Run(TrainArguments args, ConfigAnalysis? analysis, string? configText, TextWriter stdout, TextWriter stderr)
    {
        var trainer = TrainerLocator.Find(out var problem);
        if (trainer is null)
        {
            stderr.WriteLine($"lft train: {problem}");
            return CommandLine.CannotRun;
        }
        List<string> arguments = [trainer.Assembly, "train", args.File, .. args.TrainerOptions, .. args.Metrics is { } metrics ? ["--metrics", metrics] : Array.Empty<string>()];
        if (args.DryRun)
        {
            if (args.Json)
                JsonOutput.Write(stdout, new JsonObject { ["framework"] = "lft-train", ["command"] = new JsonArray([trainer.Host, .. arguments.Select(a => (JsonNode?)a)]), ["shell"] = Shell(trainer.Host, arguments) });
            else
                stdout.WriteLine(Shell(trainer.Host, arguments));
            stderr.WriteLine("lft train: --dry-run: nothing was started.");
            return CommandLine.Clean;
        }
        return Start(args, analysis, configText, trainer, arguments, stdout, stderr).GetAwaiter().GetResult();
    }

    private static string Shell(string host, IEnumerable<string> arguments) => string.Join(' ', new[] { host }.Concat(arguments).Select(LaunchCommand.Quote));

    private static async Task<int> Start(TrainArguments args, ConfigAnalysis? analysis, string? configText, TrainerProgram trainer, List<string> arguments, TextWriter stdout, TextWriter stderr)
    {
        var started = DateTimeOffset.UtcNow;
        JsonObject? start = null, end = null, cancelled = null, lastStep = null;
        void OnSegment(string segment)
        {
            if (Event(segment) is not { } metrics)
                return;
            switch ((string?)metrics["event"])
            {
                case "start": start = metrics; break;
                case "step": lastStep = metrics; break;
                case "end": end = metrics; break;
                case "cancelled": cancelled = metrics; break;
            }
        }
        FrameworkProcess process;
        try
        {
            process = FrameworkProcess.Start(trainer.Host, arguments, [], Directory.GetCurrentDirectory(), stdout, stderr, OnSegment, ChildRun.DefaultGrace);
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            stderr.WriteLine($"lft train: could not start {trainer.Host}: {ex.Message}");
            return CommandLine.CannotRun;
        }
        ChildRun.Result result;
        using (process)
            result = await ChildRun.RunAsync(process, stderr, "lft-train").ConfigureAwait(false);
        // A run the trainer refused before its first step (config errors, exit 1) is not a run to remember.
        if (start is not null && analysis is not null && configText is not null)
        {
            var outcome = end is not null ? RunOutcome.Done : cancelled is not null || result.ExitCode == TrainerRun.CancelledExitCode ? RunOutcome.Cancelled : RunOutcome.Failed;
            var last = end ?? cancelled ?? lastStep;
            var measured = new MeasuredFigures
            {
                PeakBytes = Long(end ?? lastStep, "peak_rss_bytes"),
                Kind = MeasuredKind.Rss,
                Source = "lft-train's peak resident memory (VmHWM)",
                Steps = Long(last, "step"),
                FinalLoss = Number(end, "final_loss") ?? Number(lastStep, "loss"),
                TokensPerSecondPerGpu = Number(end ?? lastStep, "tokens_per_second"),
                StepsPerSecond = Number(end, "mean_step_ms") is > 0 and var ms ? 1000 / ms : null,
            };
            var run = new RunRecorder.Run(args.File, configText, analysis, TrainArguments.Bundled, "lft-train", Shell(trainer.Host, arguments), started);
            RunRecorder.Finish(run, measured, result.ExitCode, outcome, stderr);
        }
        return result.ExitCode;
    }

    private static JsonObject? Event(string line)
    {
        if (!line.StartsWith("{\"event\"", StringComparison.Ordinal))
            return null;
        try
        {
            return JsonNode.Parse(line) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static double? Number(JsonObject? metrics, string name) =>
        metrics?[name] is JsonValue value && value.TryGetValue<double>(out var number) && double.IsFinite(number) ? number : null;

    private static long? Long(JsonObject? metrics, string name) => Number(metrics, name) is { } number ? (long)number : null;
}
