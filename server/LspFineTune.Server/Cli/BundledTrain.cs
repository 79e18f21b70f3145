using System.Text.Json.Nodes;
using LspFineTune.Core;
using LspFineTune.Core.Runs;
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
        var metrics = new BundledMetrics();
        void OnSegment(string segment)
        {
            if (BundledMetrics.Parse(segment) is { } line)
                metrics.Add(line);
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
        if (metrics.Started && analysis is not null && configText is not null)
        {
            var run = new RunRecorder.Run(args.File, configText, analysis, TrainArguments.Bundled, "lft-train", Shell(trainer.Host, arguments), started);
            var summary = RunRecorder.Finish(run, metrics.Measured(), result.ExitCode, metrics.Outcome(result.ExitCode));
            lock (stderr)
                stderr.WriteLine($"lft train: {summary}");
        }
        return result.ExitCode;
    }
}
