using System.Diagnostics;
using System.Globalization;
using LspFineTune.Core.Tuning;
using LspFineTune.Server.Training;

namespace LspFineTune.Server.Tuning;

/// <summary>What a sweep found: the config's own run (trial 0), every trial, and Spearman's rho between the early
/// and final scores of the trials that ran to the end.</summary>
public sealed record SweepResult(SweepTrial Baseline, IReadOnlyList<SweepTrial> Trials, SweepTrial Best, double? RankCorrelation, double Seconds, string ResultsPath, int Parallel, long EarlySteps, long TotalSteps);

/// <summary>A trial run that has just ended, for a progress display: its phase (early or to the end), how many of the
/// sweep's runs have ended of how many are planned, and the best trial so far by the scores of that phase.</summary>
public sealed record SweepProgress(SweepTrial Trial, bool Final, int RunsDone, int RunsPlanned, SweepTrial Best);

/// <summary>
/// The early-scored search of Oliver and Wang 2024: trials proposed by a tree-structured Parzen estimator in fixed
/// rounds of <c>P</c> (each round sees only earlier rounds' scores, so a seed gives the same trials however fast each
/// runs), each trained by lft-train with `--set` overrides and `--stop-after-steps` at the early fraction of its whole
/// schedule, scored by eval loss; the config's own values run as trial 0; the best trials and the baseline then
/// `--resume` to the end, so the early and final scores come from the same run.
/// </summary>
public sealed class Sweep(TrainerProgram trainer, string configPath, SweepSpace space, SweepOptions options, Action<string> log, Action<SweepProgress>? progress = null)
{
    private readonly object _gate = new();
    private readonly List<SweepTrial> _endedEarly = [];
    private readonly List<SweepTrial> _endedFinal = [];
    private int _runsPlanned = options.Trials + 1 + Math.Min(options.Trials, Math.Max(3, options.Finalists)) + 1;

    /// <summary>Runs ended so far (early and to the end), of <see cref="RunsPlanned"/>.</summary>
    public int RunsDone
    {
        get
        {
            lock (_gate)
                return _endedEarly.Count + _endedFinal.Count;
        }
    }

    /// <summary>Each trial and the baseline run early, then the finalists and the baseline to the end: known exactly
    /// once the early runs have ended (failed ones do not go on).</summary>
    public int RunsPlanned
    {
        get
        {
            lock (_gate)
                return _runsPlanned;
        }
    }

    public async Task<SweepResult> RunAsync(string sweepFolder, long totalSteps, int parallel, CancellationToken cancellation)
    {
        var watch = Stopwatch.StartNew();
        var earlySteps = totalSteps <= 1 ? totalSteps : Math.Clamp((long)Math.Round(options.EarlyFraction * totalSteps), 1, totalSteps - 1);
        var threads = Math.Max(1, Environment.ProcessorCount / parallel);
        var resultsPath = ResultsPath(configPath);
        log($"lft sweep: {options.Trials} trials over {string.Join(", ", space.Space.Dimensions.Select(d => d.Name))}; each scored at step {earlySteps} of {totalSteps}, {parallel} at once ({threads} thread(s) each), into {sweepFolder}");

        var baselineValues = space.Space.Dimensions
            .Where(d => space.Baseline.ContainsKey(d.Name) && d.Parse(space.Baseline[d.Name]) is not null)
            .ToDictionary(d => d.Name, d => d.Parse(space.Baseline[d.Name])!.Value, StringComparer.Ordinal);
        var baseline = new SweepTrial(0, baselineValues, new Dictionary<string, string>(), Path.Combine(sweepFolder, "baseline"));
        var sampler = new TreeParzenSampler(space.Space, options.Seed);
        var trials = new List<SweepTrial>();
        var observed = new List<Observation>();

        // The results file says what this sweep found, never a previous one's: it goes now, and each round rewrites it,
        // so a sweep stopped half-way leaves the trials it ran.
        File.Delete(resultsPath);
        // Round 1 holds the baseline and P-1 trials; later rounds P trials each.
        var pending = new List<SweepTrial> { baseline };
        var next = 1;
        while (next <= options.Trials || pending.Count > 0)
        {
            while (pending.Count < parallel && next <= options.Trials)
            {
                var values = sampler.Propose(next, observed);
                pending.Add(new SweepTrial(next, values, space.Space.Format(values), Path.Combine(sweepFolder, $"trial-{next:D2}")));
                next++;
            }
            await Task.WhenAll(pending.Select(t => RunEarlyAsync(t, earlySteps, threads, cancellation))).ConfigureAwait(false);
            cancellation.ThrowIfCancellationRequested();
            foreach (var trial in pending)
            {
                if (!trial.IsBaseline)
                    trials.Add(trial);
                log(Describe(trial, "early"));
                // A failed trial scores infinity: the sampler's density keeps it away without a made-up number.
                observed.Add(new Observation(trial.Values, trial.EarlyEvalLoss ?? double.PositiveInfinity));
            }
            pending.Clear();
            WriteResults(resultsPath, baseline, trials, earlySteps, totalSteps);
        }

        var finalists = trials.Where(t => t.EarlyEvalLoss is not null).OrderBy(t => t.EarlyEvalLoss).ThenBy(t => t.Number).Take(Math.Max(3, options.Finalists)).ToList();
        var toFinish = new List<SweepTrial>(finalists);
        if (baseline.EarlyEvalLoss is not null)
            toFinish.Insert(0, baseline);
        lock (_gate)
            _runsPlanned = _endedEarly.Count + toFinish.Count;
        foreach (var round in toFinish.Chunk(parallel))
        {
            await Task.WhenAll(round.Select(t => RunFinalAsync(t, threads, cancellation))).ConfigureAwait(false);
            cancellation.ThrowIfCancellationRequested();
            foreach (var trial in round)
                log(Describe(trial, "final"));
            WriteResults(resultsPath, baseline, trials, earlySteps, totalSteps);
        }

        var finished = toFinish.Where(t => t.FinalEvalLoss is not null).ToList();
        var best = finished.OrderBy(t => t.FinalEvalLoss).ThenBy(t => t.Number).FirstOrDefault() ?? baseline;
        var rho = EarlyFinalCorrelation(finished.Select(t => (t.EarlyEvalLoss!.Value, t.FinalEvalLoss!.Value)).ToList());
        return new SweepResult(baseline, trials, best, rho, watch.Elapsed.TotalSeconds, resultsPath, parallel, earlySteps, totalSteps);
    }

    /// <summary>Spearman's rho between the early and final scores of the runs that went to the end; null for fewer
    /// than 3, or when all early (or final) scores tie: then there is no ranking to compare.</summary>
    public static double? EarlyFinalCorrelation(IReadOnlyList<(double Early, double Final)> scores)
    {
        if (scores.Count < 3)
            return null;
        var rho = RankCorrelation.Spearman(scores.Select(s => s.Early).ToList(), scores.Select(s => s.Final).ToList());
        return double.IsFinite(rho) ? rho : null;
    }

    /// <summary>The results file, next to the config: `NAME.sweep.jsonl` for `NAME.yaml`.</summary>
    public static string ResultsPath(string configPath) => Path.ChangeExtension(Path.GetFullPath(configPath), null) + ".sweep.jsonl";

    private async Task RunEarlyAsync(SweepTrial trial, long earlySteps, int threads, CancellationToken cancellation)
    {
        string[] stop = earlySteps > 0 ? ["--stop-after-steps", earlySteps.ToString(CultureInfo.InvariantCulture)] : [];
        var outcome = await TrialRun.RunAsync(trainer, configPath, [.. Arguments(trial, threads), .. stop], cancellation).ConfigureAwait(false);
        trial.EarlyEvalLoss = outcome.EvalLoss;
        trial.Seconds += outcome.Seconds;
        trial.Problem = outcome.Problem;
        if (!cancellation.IsCancellationRequested)
            Ended(trial, final: false);
    }

    private async Task RunFinalAsync(SweepTrial trial, int threads, CancellationToken cancellation)
    {
        var outcome = await TrialRun.RunAsync(trainer, configPath, [.. Arguments(trial, threads), "--resume"], cancellation).ConfigureAwait(false);
        trial.FinalEvalLoss = outcome.EvalLoss;
        trial.Seconds += outcome.Seconds;
        trial.Problem ??= outcome.Problem;
        if (!cancellation.IsCancellationRequested)
            Ended(trial, final: true);
    }

    /// <summary>Tells the progress display that a run ended (trials of a round end in any order, each when it does).</summary>
    private void Ended(SweepTrial trial, bool final)
    {
        if (progress is null)
            return;
        SweepProgress report;
        lock (_gate)
        {
            var ended = final ? _endedFinal : _endedEarly;
            ended.Add(trial);
            double Score(SweepTrial t) => (final ? t.FinalEvalLoss : t.EarlyEvalLoss) ?? double.PositiveInfinity;
            var best = ended.OrderBy(Score).ThenBy(t => t.Number).First();
            report = new SweepProgress(trial, final, RunsDone, _runsPlanned, best);
        }
        progress(report);
    }

    private IEnumerable<string> Arguments(SweepTrial trial, int threads)
    {
        yield return "--output";
        yield return trial.Folder;
        yield return "--threads";
        yield return threads.ToString(CultureInfo.InvariantCulture);
        foreach (var change in space.Changes(trial.Parameters))
        {
            yield return "--set";
            yield return $"{change.Path}={change.Value}";
        }
    }

    private static string Describe(SweepTrial trial, string phase)
    {
        var loss = phase == "early" ? trial.EarlyEvalLoss : trial.FinalEvalLoss;
        var name = trial.IsBaseline ? "baseline (the config as written)" : $"trial {trial.Number} ({string.Join(", ", trial.Parameters.Select(p => $"{p.Key}={p.Value}"))})";
        return string.Create(CultureInfo.InvariantCulture, $"lft sweep: {name}: {phase} eval loss {(loss is { } l ? l.ToString("F4", CultureInfo.InvariantCulture) : trial.Problem ?? "none")}, {trial.Seconds:F1} s");
    }

    private static void WriteResults(string path, SweepTrial baseline, IReadOnlyList<SweepTrial> trials, long earlySteps, long totalSteps)
    {
        var lines = new[] { baseline }.Concat(trials).Select(t => t.ToJson(earlySteps, totalSteps).ToJsonString());
        var temporary = path + ".tmp";
        File.WriteAllLines(temporary, lines);
        File.Move(temporary, path, overwrite: true);
    }
}
