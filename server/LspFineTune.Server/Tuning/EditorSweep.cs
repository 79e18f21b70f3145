using System.Globalization;
using LspFineTune.Server.Protocol;
using LspFineTune.Server.Training;

namespace LspFineTune.Server.Tuning;

/// <summary>
/// A sweep started from the editor, as an <see cref="IEditorRun"/>: each trial's end becomes a progress report ("trial
/// 3/4: early eval loss 2.412 · best so far trial 1, 2.350"), Cancel stops the running trials' lft-train processes
/// (SIGTERM: each finishes its step and exits) and starts no more, and the end names the best trial next to the config
/// as written. The results view reads the trials from the results file (<see cref="SweepResultsFile"/>).
/// </summary>
public sealed class EditorSweep : IEditorRun
{
    private readonly CancellationTokenSource _cancel = new();
    private readonly Task<SweepResult> _sweep;
    private readonly Sweep _search;

    /// <param name="log">The sweep's own lines (one per trial and phase), for the server's log.</param>
    public EditorSweep(TrainerProgram trainer, string configPath, SweepSpace space, SweepOptions options, string folder, long totalSteps, int parallel, RunReporter reporter, Action<string> log)
    {
        _search = new Sweep(trainer, configPath, space, options, log, progress =>
        {
            var percentage = progress.RunsPlanned > 0 ? Math.Clamp(progress.RunsDone * 100 / progress.RunsPlanned, 0, 100) : (int?)null;
            _ = reporter.ReportAsync(Report(progress, options.Trials), percentage);
        });
        _sweep = Task.Run(() => _search.RunAsync(folder, totalSteps, parallel, _cancel.Token));
    }

    public void Cancel() => _cancel.Cancel();

    public async Task<RunEnd> WaitAsync()
    {
        SweepResult result;
        try
        {
            result = await _sweep.ConfigureAwait(false);
        }
        catch (OperationCanceledException)
        {
            return new RunEnd(MessageType.Warning, $"cancelled after {_search.RunsDone} of {_search.RunsPlanned} runs; the running trials were stopped, and the trials so far are in the results.");
        }
        if (result.Baseline.FinalEvalLoss is not { } asWritten)
            return new RunEnd(MessageType.Error, $"the config's own run failed ({result.Baseline.Problem}); see the trials in the results.");
        var ranToTheEnd = result.Trials.Count(t => t.FinalEvalLoss is not null);
        var summary = string.Create(CultureInfo.InvariantCulture, $"{result.Trials.Count} trials in {result.Seconds:F0} s, {ranToTheEnd} run to the end");
        if (result.Best.IsBaseline)
            return new RunEnd(MessageType.Info, string.Create(CultureInfo.InvariantCulture, $"{summary}; the config as written was the best (eval loss {asWritten:F3}): nothing to change."));
        var best = result.Best.FinalEvalLoss!.Value;
        return new RunEnd(MessageType.Info, string.Create(CultureInfo.InvariantCulture,
            $"{summary}; best: trial {result.Best.Number}, eval loss {best:F3} vs {asWritten:F3} as written ({best / asWritten:0.00}x); apply it from the results."));
    }

    public void Dispose()
    {
        _cancel.Cancel();
        _cancel.Dispose();
    }

    /// <summary>"trial 3/4: early eval loss 2.412 (step 12 of 60) · best so far trial 1, 2.350".</summary>
    private static string Report(SweepProgress progress, int trials)
    {
        var trial = progress.Trial;
        var score = progress.Final ? trial.FinalEvalLoss : trial.EarlyEvalLoss;
        var name = trial.IsBaseline ? "the config as written" : $"trial {trial.Number}/{trials}";
        var what = progress.Final ? "to the end: eval loss" : "early eval loss";
        var scored = score is { } s ? s.ToString("F3", CultureInfo.InvariantCulture) : $"none ({trial.Problem})";
        var bestScore = progress.Final ? progress.Best.FinalEvalLoss : progress.Best.EarlyEvalLoss;
        var best = bestScore is { } b
            ? $" · best so far {(progress.Best.IsBaseline ? "as written" : $"trial {progress.Best.Number}")}, {b.ToString("F3", CultureInfo.InvariantCulture)}"
            : "";
        return $"{name} {what} {scored}{best}";
    }
}
