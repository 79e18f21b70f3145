using System.Globalization;
using System.Text.Json.Nodes;
using LspFineTune.Core.Estimation;
using LspFineTune.Server.Hosting;
using LspFineTune.Server.Presentation;
using LspFineTune.Server.Protocol;

namespace LspFineTune.Server.Training;

/// <summary>What the editor asked for: the config file, its URI, and trainer options (steps, output, threads).</summary>
public sealed record TrainingRequest(string Uri, string ConfigPath, int? MaxSteps, string? OutputDir, int? Threads, bool BinaryUnits)
{
    /// <summary>The client's own progress token (client-initiated progress, e.g. VS Code's cancellable notification); null: the server creates one.</summary>
    public string? WorkDoneToken { get; init; }
}

/// <summary>
/// The training runs started from the editor: each is an <c>lft-train</c> subprocess whose metrics become LSP work-done
/// progress (step, loss, ETA; cancellable) through <see cref="EditorRuns"/>, whose stderr goes to the log, and whose end
/// is shown next to the estimate (measured peak memory against the estimator's for <c>hardware.gpu: cpu</c>).
/// </summary>
public sealed class TrainingSessions(LanguageClient client, EditorRuns runs, ServerLog log)
{
    /// <summary>Starts a run; returns its progress token. Throws <see cref="LspException"/> when it cannot start.</summary>
    public Task<string> StartAsync(TrainerProgram trainer, TrainingRequest request, CancellationToken cancellationToken)
    {
        var name = Path.GetFileName(request.ConfigPath);
        var editorRun = new EditorRunRequest("lft.train", request.ConfigPath, $"Training {name}", "training", "starting lft-train…", request.WorkDoneToken);
        return runs.StartAsync(editorRun, reporter =>
        {
            var monitor = new RunMonitor(client, reporter, request.BinaryUnits);
            var started = DateTimeOffset.UtcNow;
            var run = TrainerRun.Start(trainer, request.ConfigPath, Options(request), monitor.OnEventAsync, monitor.OnLog);
            return new BundledRun(run, monitor, exitCode => RecordRun(request, monitor.Metrics, started, exitCode));
        }, cancellationToken);
    }

    /// <summary>One lft-train subprocess as an editor run: Cancel is SIGTERM (it checkpoints the step), the end its summary.</summary>
    private sealed class BundledRun(TrainerRun run, RunMonitor monitor, Func<int, string> record) : IEditorRun
    {
        public void Cancel() => run.Cancel();

        public async Task<RunEnd> WaitAsync()
        {
            int exitCode;
            try
            {
                exitCode = await run.WaitAsync().ConfigureAwait(false);
            }
            catch (Exception e)
            {
                // Reading the trainer's output failed (not the trainer): still end the progress, with what happened.
                monitor.OnLog($"reading lft-train's output failed: {e.Message}");
                exitCode = -1;
            }
            var (type, message) = monitor.Outcome(exitCode);
            if (monitor.Metrics.Started)
                message += "; " + record(exitCode);
            return new RunEnd(type, message);
        }

        public void Dispose() => run.Dispose();
    }

    /// <summary>Appends the run to the config's <c>.lft/runs.jsonl</c> (the code lens shows its last measured peak); returns
    /// where, or why not. The config is analysed as it is now on disk: what the trainer read.</summary>
    private string RecordRun(TrainingRequest request, BundledMetrics metrics, DateTimeOffset started, int exitCode)
    {
        var text = Core.Files.RegularFile.ReadText(request.ConfigPath, Cli.ConfigFileLoader.MaxFileBytes, out var problem);
        if (text is null)
            return $"the run history was not written ({problem})";
        var analysis = Core.ConfigAnalyzer.AnalyzeFile(request.ConfigPath, text);
        var run = new RunRecorder.Run(request.ConfigPath, text, analysis, "bundled", "lft-train", "lft.train", started);
        var finished = RunRecorder.Finish(run, metrics.Measured(), exitCode, metrics.Outcome(exitCode));
        log.Write($"training {Path.GetFileName(request.ConfigPath)}: {finished}");
        return finished.History;
    }

    private static IEnumerable<string> Options(TrainingRequest request)
    {
        if (request.MaxSteps is { } steps)
            yield return "--max-steps=" + steps.ToString(CultureInfo.InvariantCulture);
        if (request.OutputDir is { } output)
            yield return "--output=" + output;
        if (request.Threads is { } threads)
            yield return "--threads=" + threads.ToString(CultureInfo.InvariantCulture);
    }

    /// <summary>Turns one run's metrics lines into progress reports and its final summary.</summary>
    private sealed class RunMonitor(LanguageClient client, RunReporter reporter, bool binaryUnits)
    {
        private readonly List<string> _lastLogLines = [];
        private JsonObject? _end;
        private JsonObject? _cancelled;
        private double? _initialEvalLoss;

        /// <summary>The run's metrics so far, for its record in the history.</summary>
        public BundledMetrics Metrics { get; } = new();

        public async Task OnEventAsync(JsonObject metrics)
        {
            Metrics.Add(metrics);
            switch ((string?)metrics["event"])
            {
                case "step":
                    var step = Number(metrics, "step");
                    var total = Number(metrics, "total_steps");
                    var percentage = total > 0 ? (int)Math.Clamp(step * 100 / total, 0, 100) : (int?)null;
                    var eta = metrics["eta_seconds"] is JsonValue etaValue && etaValue.TryGetValue<double>(out var seconds) ? $" · ETA {DurationText.Format(seconds)}" : "";
                    var report = $"step {step:0}/{total:0} · loss {Format(metrics, "loss")}{eta}";
                    await reporter.ReportAsync(report, percentage).ConfigureAwait(false);
                    // Every step's metrics in the editor's log (VS Code: the LspFineTune output channel).
                    await client.LogMessageAsync(MessageType.Log,
                        $"lft-train: {report} · lr {Format(metrics, "lr", "0.######")} · {Number(metrics, "tokens_per_second").ToString("N0", CultureInfo.InvariantCulture)} tokens/s · {Number(metrics, "step_ms").ToString("0", CultureInfo.InvariantCulture)} ms/step · peak {ByteSizes.Format(Number(metrics, "peak_rss_bytes"), binaryUnits)}").ConfigureAwait(false);
                    break;
                case "eval" when Number(metrics, "step") == 0:
                    _initialEvalLoss = Number(metrics, "eval_loss");
                    break;
                case "end":
                    _end = metrics;
                    break;
                case "cancelled":
                    _cancelled = metrics;
                    break;
            }
        }

        /// <summary>A stderr line: to the editor's log, and kept (the last five) to explain a failed run.</summary>
        public void OnLog(string line)
        {
            lock (_lastLogLines)
            {
                _lastLogLines.Add(line);
                if (_lastLogLines.Count > 5)
                    _lastLogLines.RemoveAt(0);
            }
            _ = client.LogMessageAsync(MessageType.Log, "lft-train: " + line);
        }

        public (int Type, string Message) Outcome(int exitCode)
        {
            if (_end is { } end)
                return (MessageType.Info, Summary(end));
            if (_cancelled is { } cancelled || exitCode == TrainerRun.CancelledExitCode)
            {
                // The trainer reports a `cancelled` event only when it checkpointed a step; stopped before the first
                // step (loading the model, reading data) there is nothing to resume from.
                return _cancelled is null
                    ? (MessageType.Warning, "cancelled before the first step; nothing was written.")
                    : (MessageType.Warning, $"cancelled after step {Number(_cancelled, "step"):0}; a checkpoint was written: resume with `lft-train train CONFIG --resume`.");
            }
            string last;
            lock (_lastLogLines)
                last = string.Join(" | ", _lastLogLines);
            return (MessageType.Error, $"lft-train stopped with exit code {exitCode}: {(last.Length > 0 ? last : "no output")}");
        }

        /// <summary>"done: loss 2.65, eval loss 2.88 → 2.63; peak memory 305 MB measured vs 372 MB estimated (+22%)".</summary>
        private string Summary(JsonObject end)
        {
            var text = $"done after {Number(end, "step"):0} steps: final loss {Format(end, "final_loss")}";
            var initial = end["initial_eval_loss"] is JsonValue ? Number(end, "initial_eval_loss") : _initialEvalLoss;
            if (end["eval_loss"] is JsonValue)
                text += initial is { } before ? $", eval loss {before.ToString("0.000", CultureInfo.InvariantCulture)} → {Format(end, "eval_loss")}" : $", eval loss {Format(end, "eval_loss")}";
            if (end["peak_rss_bytes"] is JsonValue)
            {
                var measured = Number(end, "peak_rss_bytes");
                text += $"; peak memory {ByteSizes.Format(measured, binaryUnits)} measured";
                if (end["estimated_peak_bytes"] is JsonValue && Number(end, "estimated_peak_bytes") is var estimated and > 0)
                {
                    var error = (estimated / measured - 1) * 100;
                    text += $" vs {ByteSizes.Format(estimated, binaryUnits)} estimated (estimate {(error >= 0 ? "+" : "−")}{Math.Abs(error).ToString("0", CultureInfo.InvariantCulture)}%)";
                }
            }
            if ((string?)end["adapter_dir"] is { } adapter)
                text += $"; adapter in {adapter}";
            else if ((string?)end["model_dir"] is { } model)
                text += $"; model in {model}";
            return text;
        }

        private static double Number(JsonObject metrics, string name) =>
            metrics[name] is JsonValue value && value.TryGetValue<double>(out var number) ? number : double.NaN;

        private static string Format(JsonObject metrics, string name, string format = "0.000") =>
            metrics[name] is JsonValue value && value.TryGetValue<double>(out var number) ? number.ToString(format, CultureInfo.InvariantCulture) : "n/a";
    }
}
