using System.Globalization;
using System.Text.Json.Nodes;
using LspFineTune.Core.Dialects;
using LspFineTune.Core.Files;
using LspFineTune.Core.Tuning;
using LspFineTune.Server.Training;
using LspFineTune.Server.Tuning;

namespace LspFineTune.Server.Cli;

/// <summary>
/// `lft data-curve FILE [--sizes N,N,...] [--budget epochs|steps] [--seed S] [--parallel P] [--json]`: trains the config
/// on nested subsets of its train data with the bundled trainer, fits eval loss against size with a saturation curve
/// (Oliver and Wang 2024 measured where such gains flatten), says where the data set stands on it, and keeps the curve
/// next to the config for the editor's finding and hover. Exit 0 done, 1 the config has errors or no run succeeded,
/// 2 the tool could not run, 130 cancelled.
/// </summary>
public static class DataCurveCommand
{
    public static readonly string[] Flags = ["--json"];
    public static readonly string[] Options = ["--sizes", "--budget", "--seed", "--parallel", .. AnalysisArguments.Options];

    /// <summary>Train files are JSON lines of short examples; past this a curve is not what the machine should do.</summary>
    private const long MaxTrainBytes = 512L * 1024 * 1024;

    public static int Run(CommandArguments args, TextWriter stdout, TextWriter stderr)
    {
        var file = args.SingleFile();
        var budgetOption = args.Option("--budget");
        if (budgetOption is not (null or DataCurveRecord.EpochsBudget or DataCurveRecord.StepsBudget))
            throw new UsageException($"--budget takes epochs (each subset trains for as many epochs as the whole set: compute grows with data) or steps (every subset trains the whole run's steps), not `{budgetOption}`");
        var seed = args.Option("--seed") is { } seedText ? int.TryParse(seedText, NumberStyles.Integer, CultureInfo.InvariantCulture, out var s) ? s : throw new UsageException($"--seed takes a whole number, not `{seedText}`") : 0;
        if (TrainedCommandSetup.Load(args, file, "data-curve", stderr, out var exitCode) is not var (analysis, plan, dialect))
            return exitCode;
        var vocabulary = dialect.Vocabulary;
        if (plan.Data.TrainPath is not { } trainPath || vocabulary.Key(PlanField.DataTrain) is not { } trainKey || vocabulary.Key(PlanField.MaxSteps) is not { } stepsKey)
        {
            stderr.WriteLine($"lft data-curve: {file} names no JSON lines train file that a subset can replace ({vocabulary.Key(PlanField.DataTrain) ?? $"{dialect.DisplayName} datasets"}); the curve needs one (`lft export {file} --to native` writes a native config that has data.train).");
            return CommandLine.ConfigHasErrors;
        }
        if (SweepSetup.TotalSteps(analysis) is not { } totalSteps || totalSteps < 1)
        {
            stderr.WriteLine($"lft data-curve: the length of {file}'s run is unknown; set {stepsKey} so each subset's schedule can follow from it.");
            return CommandLine.ConfigHasErrors;
        }
        if (RegularFile.ReadText(trainPath, MaxTrainBytes, out var readProblem) is not { } trainText)
        {
            stderr.WriteLine($"lft data-curve: {trainKey} `{trainPath}`: {readProblem}");
            return CommandLine.CannotRun;
        }
        // By default each subset keeps what the config fixes: its max_steps (the same compute on less data), or else its
        // epochs (steps in proportion to the data, as the config would train on a smaller file).
        var budget = budgetOption ?? (plan.Training.MaxSteps is not null ? DataCurveRecord.StepsBudget : DataCurveRecord.EpochsBudget);
        var lines = trainText.Split('\n').Select(l => l.TrimEnd('\r')).Where(l => l.Trim().Length > 0).ToList();
        var globalBatch = (long)plan.Training.MicroBatchSize * plan.Training.GradientAccumulationSteps;
        var sizes = Sizes(args, lines.Count, globalBatch, trainKey);
        if (sizes.Count < SaturationCurve.MinimumPoints)
        {
            stderr.WriteLine($"lft data-curve: {trainKey} has {lines.Count:N0} examples, too few for {SaturationCurve.MinimumPoints} subsets of at least one global batch ({globalBatch:N0}); give --sizes, or more data.");
            return CommandLine.ConfigHasErrors;
        }
        if (TrainerLocator.Find(out var problem) is not { } trainer)
        {
            stderr.WriteLine($"lft data-curve: {problem}");
            return CommandLine.CannotRun;
        }

        var configPath = Path.GetFullPath(file);
        var folder = SweepSetup.FolderBeside(configPath, plan, "-data-curve");
        var schedules = sizes.Select(n => Schedule(n, lines.Count, totalSteps, plan.Optimizer.WarmupSteps, budget)).ToList();
        var parallel = Whole(args, "--parallel") ?? SweepSetup.Parallel(schedules.Count, analysis);
        var keys = new DataCurveKeys(trainKey, stepsKey, plan.Optimizer.WarmupSteps > 0 ? vocabulary.Key(PlanField.WarmupSteps) : null);
        stderr.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"lft data-curve: {schedules.Count} subsets of {lines.Count:N0} examples ({string.Join(", ", sizes.Select(n => n.ToString("N0", CultureInfo.InvariantCulture)))}), each for {(budget == DataCurveRecord.EpochsBudget ? "the whole run's epochs" : $"the whole run's {totalSteps:N0} steps")}, {parallel} at once, into {folder}"));

        var watch = System.Diagnostics.Stopwatch.StartNew();
        IReadOnlyList<DataCurveRun> runs;
        try
        {
            runs = TrainedCommandSetup.WithConsoleCancellation(cancellation => new DataCurve(trainer, configPath, keys, line => stderr.WriteLine(line)).RunAsync(lines, schedules, seed, folder, parallel, cancellation));
        }
        catch (OperationCanceledException)
        {
            stderr.WriteLine($"lft data-curve: cancelled; the runs so far are in {folder}.");
            return TrainerRun.CancelledExitCode;
        }
        var record = new DataCurveRecord(Path.GetFileName(configPath), Path.GetRelativePath(Path.GetDirectoryName(configPath)!, trainPath), lines.Count, budget, runs, DateTimeOffset.UtcNow);
        var curve = SaturationCurve.Fit(record.Points);
        var recordPath = record.Write(configPath, curve);
        if (record.Points.Count == 0)
        {
            stderr.WriteLine($"lft data-curve: no subset's run succeeded ({runs[0].Problem}); the runs are in {folder}.");
            return CommandLine.ConfigHasErrors;
        }
        var verdict = DataSizeVerdict.Of(curve, lines.Count, budget == DataCurveRecord.EpochsBudget);
        var shown = Path.GetRelativePath(Directory.GetCurrentDirectory(), recordPath);
        if (args.Has("--json"))
        {
            var json = record.ToJson(curve);
            json["file"] = file;
            json["standing"] = verdict.Standing.ToString().ToLowerInvariant() switch { "farbelow" => "far_below", "farpast" => "far_past", var other => other };
            json["finding"] = verdict.Describe();
            json["seconds"] = Math.Round(watch.Elapsed.TotalSeconds, 1);
            json["results_file"] = shown;
            JsonOutput.Write(stdout, json);
        }
        else
        {
            WriteText(stdout, file, record, curve, verdict, watch.Elapsed.TotalSeconds, shown);
        }
        return CommandLine.Clean;
    }

    /// <summary>
    /// A subset's schedule. epochs: the whole run's schedule scaled by n/N (steps and warmup), so every subset sees its
    /// data as often as the whole set is seen and the compute grows with the data, as fine-tuning on a smaller set
    /// would; steps: every subset trains the whole run's steps (the same compute, more epochs on less data).
    /// </summary>
    private static DataCurveSize Schedule(long examples, long total, long totalSteps, int warmupSteps, string budget)
    {
        if (budget == DataCurveRecord.StepsBudget)
            return new DataCurveSize(examples, totalSteps, null);
        var share = (double)examples / total;
        return new DataCurveSize(examples, Math.Max(1, (long)Math.Ceiling(totalSteps * share)), (long)Math.Round(warmupSteps * share));
    }

    private static IReadOnlyList<long> Sizes(CommandArguments args, long total, long globalBatch, string trainKey)
    {
        if (args.Option("--sizes") is not { } text)
            return NestedSubsets.DefaultSizes(total, globalBatch);
        var sizes = new SortedSet<long>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries))
        {
            if (!long.TryParse(part, NumberStyles.Integer, CultureInfo.InvariantCulture, out var size) || size < 1)
                throw new UsageException($"--sizes takes whole numbers of examples from 1, separated by commas (e.g. 200,500,1000), not `{part}`");
            if (size > total)
                throw new UsageException($"--sizes {size:N0} is more than the {total:N0} examples in {trainKey}");
            sizes.Add(size);
        }
        return [.. sizes];
    }

    private static void WriteText(TextWriter output, string file, DataCurveRecord record, SaturationCurve? curve, DataSizeVerdict verdict, double seconds, string recordPath)
    {
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{file}: eval loss on nested subsets of {record.Train} ({record.Examples:N0} examples), {record.Runs.Count} runs in {seconds:F0} s; curve in {recordPath}"));
        output.WriteLine("  examples    steps  eval loss");
        foreach (var run in record.Runs)
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  {run.Examples,8:N0} {run.Steps,8:N0}  {(run.EvalLoss is { } loss ? loss.ToString("F4", CultureInfo.InvariantCulture) : $"failed: {run.Problem}")}"));
        if (curve is null)
        {
            output.WriteLine($"  fewer than {SaturationCurve.MinimumPoints} runs succeeded: no curve.");
            return;
        }
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  fitted: eval loss = {curve.Floor:F3} + {curve.Scale:G4} x examples^-{curve.Exponent:F3}  (R^2 {curve.RSquared:F2})"));
        if (curve.FlatteningExamples is { } flat && double.IsFinite(flat) && !verdict.BeyondReach)
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  a doubling stops improving eval perplexity by 1% near {flat:N0} examples{(verdict.Extrapolated ? " (past twice the largest subset: an extrapolation)" : "")}"));
        output.WriteLine($"  {verdict.Describe() ?? "the losses do not fall clearly with more data (R^2 below 0.8 or no fall): no finding; more sizes or a larger eval set may show a curve."}");
    }

    private static int? Whole(CommandArguments args, string name) => args.Option(name) switch
    {
        null => null,
        var text when int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= 1 => value,
        var text => throw new UsageException($"{name} takes a whole number from 1, not `{text}`"),
    };
}
