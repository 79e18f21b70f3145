using System.Globalization;
using System.Text.Json.Nodes;
using LspFineTune.Core.Editing;
using LspFineTune.Server.Training;
using LspFineTune.Server.Tuning;

namespace LspFineTune.Server.Cli;

/// <summary>
/// `lft sweep FILE [--trials N] [--early-fraction F] [--space KEY=lo..hi|V1,V2,...]... [--seed S] [--parallel P] [--json]`:
/// the early-scored hyperparameter search (CONFIG.md; Oliver and Wang 2024) with the bundled trainer; the best
/// configuration comes back as minimal edits to FILE. Exit 0 done, 1 the config has errors or its own run failed,
/// 2 the tool could not run, 130 cancelled.
/// </summary>
public static class SweepCommand
{
    public static readonly string[] Flags = ["--json"];
    public static readonly string[] Options = ["--trials", "--early-fraction", "--seed", "--parallel", .. AnalysisArguments.Options];
    public static readonly string[] Repeatable = ["--space"];

    public static int Run(CommandArguments args, TextWriter stdout, TextWriter stderr)
    {
        var file = args.SingleFile();
        var options = new SweepOptions
        {
            Trials = Whole(args, "--trials") ?? 12,
            EarlyFraction = Fraction(args),
            Seed = args.Option("--seed") is { } seed ? int.TryParse(seed, NumberStyles.Integer, CultureInfo.InvariantCulture, out var s) ? s : throw new UsageException($"--seed takes a whole number, not `{seed}`") : 0,
            Parallel = Whole(args, "--parallel"),
            Space = args.All("--space"),
        };
        if (TrainedCommandSetup.Load(args, file, "sweep", stderr, out var exitCode) is not var (analysis, plan, dialect))
            return exitCode;
        if (SweepSetup.Unsearchable(analysis, file) is { } unsearchable)
        {
            stderr.WriteLine($"lft sweep: {unsearchable}");
            return CommandLine.ConfigHasErrors;
        }
        var totalSteps = SweepSetup.TotalSteps(analysis)!.Value;
        SweepSpace space;
        try
        {
            space = SweepSpace.From(plan, dialect.Vocabulary, options.Space);
        }
        catch (FormatException e)
        {
            throw new UsageException(e.Message);
        }
        if (TrainerLocator.Find(out var problem) is not { } trainer)
        {
            stderr.WriteLine($"lft sweep: {problem}");
            return CommandLine.CannotRun;
        }

        var configPath = Path.GetFullPath(file);
        var sweepFolder = SweepSetup.Folder(configPath, plan);
        var parallel = SweepSetup.Parallel(options, analysis);

        SweepResult result;
        try
        {
            result = TrainedCommandSetup.WithConsoleCancellation(cancellation => new Sweep(trainer, configPath, space, options, line => stderr.WriteLine(line)).RunAsync(sweepFolder, totalSteps, parallel, cancellation));
        }
        catch (OperationCanceledException)
        {
            stderr.WriteLine($"lft sweep: cancelled; the trials so far are in {Sweep.ResultsPath(configPath)} and {sweepFolder}.");
            return TrainerRun.CancelledExitCode;
        }
        if (result.Baseline.FinalEvalLoss is null)
        {
            stderr.WriteLine($"lft sweep: the config's own run failed ({result.Baseline.Problem}); the trials are in {result.ResultsPath}.");
            return CommandLine.ConfigHasErrors;
        }

        var changes = SweepEdits.Changes(space, result.Best.Parameters);
        var edits = SweepEdits.Edits(analysis, changes);
        if (args.Has("--json"))
            JsonOutput.Write(stdout, Json(file, result, changes, edits));
        else
            WriteText(stdout, file, result, changes, edits);
        return CommandLine.Clean;
    }

    private static JsonObject Json(string file, SweepResult result, IReadOnlyList<ConfigChange> changes, IReadOnlyList<TextEdit> edits) => new()
    {
        ["file"] = file,
        ["baseline"] = new JsonObject { ["eval_loss"] = result.Baseline.FinalEvalLoss, ["early_eval_loss"] = result.Baseline.EarlyEvalLoss },
        ["trials"] = new JsonArray(result.Trials.Select(t => (JsonNode)new JsonObject
        {
            ["trial"] = t.Number,
            ["params"] = Parameters(t),
            ["early_eval_loss"] = t.EarlyEvalLoss,
            ["final_eval_loss"] = t.FinalEvalLoss,
            ["seconds"] = Math.Round(t.Seconds, 2),
            ["problem"] = t.Problem,
        }).ToArray()),
        ["best"] = new JsonObject
        {
            ["trial"] = result.Best.Number,
            ["params"] = Parameters(result.Best),
            ["final_eval_loss"] = result.Best.FinalEvalLoss,
            ["changes"] = new JsonArray(changes.Select(c => (JsonNode)c.ToString()).ToArray()),
            ["edits"] = new JsonArray(edits.Select(e => (JsonNode)JsonOutput.Edit(e, file)).ToArray()),
        },
        ["rank_correlation"] = result.RankCorrelation,
        ["seconds"] = Math.Round(result.Seconds, 1),
        ["early_steps"] = result.EarlySteps,
        ["total_steps"] = result.TotalSteps,
        ["parallel"] = result.Parallel,
        ["results_file"] = Path.GetRelativePath(Directory.GetCurrentDirectory(), result.ResultsPath),
    };

    private static JsonObject Parameters(SweepTrial trial) => new(trial.Parameters.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)p.Value)));

    private static void WriteText(TextWriter output, string file, SweepResult result, IReadOnlyList<ConfigChange> changes, IReadOnlyList<TextEdit> edits)
    {
        string Loss(double? loss) => loss is { } l ? l.ToString("F4", CultureInfo.InvariantCulture) : "-";
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{file}: {result.Trials.Count} trials in {result.Seconds:F0} s, each scored at step {result.EarlySteps} of {result.TotalSteps}; results in {Path.GetRelativePath(Directory.GetCurrentDirectory(), result.ResultsPath)}"));
        output.WriteLine($"  the config as written: eval loss {Loss(result.Baseline.FinalEvalLoss)} (early {Loss(result.Baseline.EarlyEvalLoss)})");
        foreach (var trial in result.Trials.OrderBy(t => t.FinalEvalLoss ?? double.PositiveInfinity).ThenBy(t => t.EarlyEvalLoss ?? double.PositiveInfinity))
            output.WriteLine($"  trial {trial.Number,2}: early {Loss(trial.EarlyEvalLoss)}, final {Loss(trial.FinalEvalLoss)}  {string.Join(", ", trial.Parameters.Select(p => $"{p.Key}={p.Value}"))}{(trial.Problem is { } p ? $"  ({p})" : "")}");
        if (result.RankCorrelation is { } rho)
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  early vs final rank correlation (Spearman, trials run to the end): {rho:F2}"));
        if (changes.Count == 0)
        {
            output.WriteLine("  the config as written was the best: no changes.");
            return;
        }
        var ratio = result.Best.FinalEvalLoss!.Value / result.Baseline.FinalEvalLoss!.Value;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  best: trial {result.Best.Number}, eval loss {Loss(result.Best.FinalEvalLoss)} ({ratio:0.00}x the config's); set {string.Join(", ", changes)}"));
        output.WriteLine("  edits:");
        foreach (var edit in edits)
            output.WriteLine($"    {file}:{edit.Range.Start.Line + 1}:{edit.Range.Start.Character + 1}: {(edit.Range.Start == edit.Range.End ? "insert" : "replace with")} \"{edit.NewText.Replace("\n", "\\n")}\"");
    }

    private static int? Whole(CommandArguments args, string name) => args.Option(name) switch
    {
        null => null,
        var text when int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) && value >= 1 => value,
        var text => throw new UsageException($"{name} takes a whole number from 1, not `{text}`"),
    };

    private static double Fraction(CommandArguments args) => args.Option("--early-fraction") switch
    {
        null => 0.2,
        var text when double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value is > 0 and < 1 => value,
        var text => throw new UsageException($"--early-fraction takes a number between 0 and 1 (0.2: a fifth of the schedule), not `{text}`"),
    };
}
