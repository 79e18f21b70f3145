using System.Text.Json.Nodes;
using LspFineTune.Core;
using LspFineTune.Core.Diagnostics;
using LspFineTune.Core.Files;
using LspFineTune.Core.Runs;
using LspFineTune.Core.Runs.History;
using LspFineTune.Core.Runs.Logs;
using LspFineTune.Server.Training;

namespace LspFineTune.Server.Cli;

/// <summary>
/// `lft train FILE --engine framework`: starts the config's own framework with the GPUs the estimate assumed
/// (<see cref="FrameworkLaunch"/>), its output streaming through to this terminal, its progress read from its own log
/// lines, and at the end the measured peak next to the estimate, appended to the run history. `--dry-run` prints the
/// command line (and the environment it sets) and starts nothing.
/// </summary>
public static class FrameworkTrain
{
    /// <summary>A framework's own metrics file is read up to this much at the end (a log line per step is ~200 bytes).</summary>
    private const long MaxMetricsFileBytes = 64L * 1024 * 1024;

    public static int Run(TrainArguments args, ConfigAnalysis analysis, string configText, TextWriter stdout, TextWriter stderr, Func<string, string?> environment)
    {
        var launch = FrameworkLaunch.For(analysis, args.File, environment);
        if (launch.Command is not { } built)
        {
            stderr.WriteLine($"lft train: {args.File}: {launch.Problem}");
            return CommandLine.CannotRun;
        }
        var command = built with { Arguments = [.. built.Arguments, .. args.FrameworkOptions] };
        var errors = analysis.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        foreach (var error in errors)
            stderr.WriteLine(DiagnosticText.Format(DiagnosticText.FileOf(args.File, error), error));
        if (args.DryRun)
            return DryRun(args, command, errors.Count > 0, stdout, stderr);
        if (errors.Count > 0 && !args.Force)
        {
            stderr.WriteLine($"lft train: {args.File} has {errors.Count} error{(errors.Count == 1 ? "" : "s")} (above): {command.Framework} would refuse it or run out of memory. Fix them (`lft plan {args.File}` finds a plan that fits), or add --force to start it anyway.");
            return CommandLine.ConfigHasErrors;
        }
        if (command.Missing.Count > 0)
        {
            stderr.WriteLine($"lft train: this {analysis.Plan!.Hardware.Nodes}-node run needs {string.Join(" and ", command.Missing)} in the environment on each node (this node's rank, node 0's address); set them and run it on every node, or see the command with --dry-run.");
            return CommandLine.CannotRun;
        }
        if (ExecutableSearch.Find(command.Program, environment) is not { } executable)
        {
            stderr.WriteLine($"lft train: `{command.Program}` is not on PATH: install {command.Framework} or activate the environment it is installed in; `lft train {args.File} --engine framework --dry-run` prints the command to run it yourself.");
            return CommandLine.CannotRun;
        }
        return Start(args, analysis, configText, command, executable, stdout, stderr).GetAwaiter().GetResult();
    }

    private static int DryRun(TrainArguments args, LaunchCommand command, bool hasErrors, TextWriter stdout, TextWriter stderr)
    {
        var history = Path.GetRelativePath(Directory.GetCurrentDirectory(), RunHistory.PathFor(args.File));
        if (args.Json)
        {
            JsonOutput.Write(stdout, new JsonObject
            {
                ["framework"] = command.Framework,
                ["command"] = new JsonArray([.. command.Arguments.Select(a => (JsonNode?)a)]),
                ["environment"] = new JsonObject(command.Environment.Select(e => KeyValuePair.Create(e.Key, (JsonNode?)e.Value))),
                ["shell"] = command.ShellText(),
                ["missing"] = new JsonArray([.. command.Missing.Select(m => (JsonNode?)m)]),
                ["notes"] = new JsonArray([.. command.Notes.Select(n => (JsonNode?)n)]),
                ["writes"] = new JsonArray([history, .. args.Metrics is { } metrics and not "-" ? [metrics] : Array.Empty<string>()]),
            });
        }
        else
        {
            stdout.WriteLine(command.ShellText());
            foreach (var note in command.Notes)
                stderr.WriteLine($"lft train: note: {note}");
            if (command.Missing.Count > 0)
                stderr.WriteLine($"lft train: note: set {string.Join(" and ", command.Missing)} on each node before running it.");
            stderr.WriteLine($"lft train: --dry-run: nothing was started; a run appends to {history}.");
        }
        return hasErrors ? CommandLine.ConfigHasErrors : CommandLine.Clean;
    }

    private static async Task<int> Start(TrainArguments args, ConfigAnalysis analysis, string configText, LaunchCommand command, string executable, TextWriter stdout, TextWriter stderr)
    {
        var estimate = analysis.Estimate is { } e ? EstimatedFigures.Of(e) : null;
        var record = new RunRecorder.Run(args.File, configText, analysis, TrainArguments.Framework, command.Framework, command.ShellText(), DateTimeOffset.UtcNow);
        using var events = EventSink.Open(args.Metrics, stdout);
        // With the events on stdout, the framework's own stdout goes to stderr, as lft-train keeps stdout for metrics.
        var frameworkOut = events.OnStdout ? stderr : stdout;
        var progress = new RunProgress(command.Logs, analysis.Estimate?.Runtime.TotalSteps);
        events.Write(FrameworkEvents.Start(args.File, command, estimate, analysis.Estimate?.Runtime.TotalSteps));
        stderr.WriteLine($"lft train: starting {command.ShellText()}");
        FrameworkProcess process;
        try
        {
            process = FrameworkProcess.Start(executable, command.Arguments.Skip(1).ToList(), command.Environment, Directory.GetCurrentDirectory(),
                frameworkOut, stderr, segment =>
                {
                    if (progress.Feed(segment) is { } step)
                        events.Write(FrameworkEvents.Step(step));
                }, ChildRun.DefaultGrace);
        }
        catch (Exception ex) when (ex is System.ComponentModel.Win32Exception or InvalidOperationException)
        {
            stderr.WriteLine($"lft train: could not start {command.Program}: {ex.Message}");
            return CommandLine.CannotRun;
        }
        ChildRun.Result result;
        using (process)
            result = await ChildRun.RunAsync(process, stderr, command.Framework).ConfigureAwait(false);
        ReadMetricsFiles(command, progress);
        var measured = Measured(progress.Measured);
        var outcome = result.Stopped ? RunOutcome.Cancelled : result.ExitCode == 0 ? RunOutcome.Done : RunOutcome.Failed;
        var summary = RunRecorder.Finish(record, measured, result.ExitCode, outcome);
        events.Write(FrameworkEvents.End(outcome, result.ExitCode, measured, estimate, summary.ToString()));
        lock (stderr)
            stderr.WriteLine($"lft train: {summary}");
        return outcome == RunOutcome.Cancelled ? TrainerRun.CancelledExitCode : result.ExitCode;
    }

    /// <summary>What a framework writes to files rather than the terminal: LLaMA-Factory's trainer_log.jsonl (with
    /// RECORD_VRAM, its peak VRAM) and torchtune's DiskLogger file.</summary>
    private static void ReadMetricsFiles(LaunchCommand command, RunProgress progress)
    {
        var files = new List<string>();
        if (command.Environment.Any(v => v.Key == LlamaFactoryCommandLine.RecordVram) && command.OutputDir is { } output)
            files.Add(Path.Combine(output, LlamaFactoryTrainerLog.FileName));
        if (progress.Measured.MetricsFile is { } metrics)
            files.Add(metrics);
        foreach (var file in files)
        {
            if (RegularFile.ReadText(Path.GetFullPath(file), MaxMetricsFileBytes, out _) is { } text)
                progress.FeedFile(text.Split('\n'));
        }
    }

    private static MeasuredFigures Measured(RunMeasurement run) => new()
    {
        PeakBytes = run.PeakReservedBytes ?? run.PeakAllocatedBytes,
        Kind = run.PeakReservedBytes is not null ? MeasuredKind.Reserved : MeasuredKind.Allocated,
        Source = run.MemorySource,
        Steps = run.Steps,
        FinalLoss = run.FinalLoss,
        TokensPerSecondPerGpu = run.TokensPerSecondPerGpu,
        StepsPerSecond = run.StepsPerSecond,
    };
}
