using LspFineTune.Core;
using LspFineTune.Core.Dialects;
using LspFineTune.Core.Planning;

namespace LspFineTune.Server.Tuning;

/// <summary>What a sweep of one config needs before any trial runs, the same for `lft sweep` and the editor: eval data
/// to score by, a known length to score at a fraction of, and where its trials go.</summary>
public static class SweepSetup
{
    /// <summary>The whole schedule's steps: the config's max_steps, else the estimate's (epochs over the data).</summary>
    public static long? TotalSteps(ConfigAnalysis analysis) => analysis.Plan?.Training.MaxSteps ?? analysis.Estimate?.Runtime.TotalSteps;

    /// <summary>Why the config cannot be searched, in its dialect's own keys; null when it can.</summary>
    public static string? Unsearchable(ConfigAnalysis analysis, string file)
    {
        if (analysis.Plan is not { } plan || analysis.Dialect is not { } dialect)
            return $"{file} has no plan to search (its model or data is not known); `lft check` says why.";
        if (MissingEvalData(plan, dialect, file) is { } missing)
            return missing;
        if (TotalSteps(analysis) is null)
            return $"the length of {file}'s run is unknown; set {dialect.Vocabulary.Key(PlanField.MaxSteps) ?? "max_steps"} so each trial can be scored at a fraction of it.";
        return null;
    }

    /// <summary>Why trials scored by eval loss (a sweep's, a data curve's subsets) cannot be scored; null when the
    /// config names eval data.</summary>
    public static string? MissingEvalData(TrainingPlan plan, IConfigDialect dialect, string file) =>
        plan.Data.EvalPath is null
            ? $"{file} sets no eval data ({dialect.Vocabulary.Key(PlanField.DataEval) ?? "data.eval"}); trials are scored by eval loss, so add a held-out JSON lines file."
            : null;

    /// <summary>The trials' output folders: next to the config's own output, `DIR-sweep/trial-NN`.</summary>
    public static string Folder(string configPath, TrainingPlan plan) => FolderBeside(configPath, plan, "-sweep");

    /// <summary>A folder next to the config's own output, `DIR` + <paramref name="suffix"/>.</summary>
    public static string FolderBeside(string configPath, TrainingPlan plan, string suffix) =>
        Path.GetFullPath(Path.Combine(Path.GetDirectoryName(Path.GetFullPath(configPath))!, plan.Output.Dir.TrimEnd('/', '\\') + suffix));

    /// <summary>Trials at once: <paramref name="options"/>' own, else as many as the cores and (on the CPU) the estimate allow.</summary>
    public static int Parallel(SweepOptions options, ConfigAnalysis analysis) => options.Parallel ?? Parallel(options.Trials + 1, analysis);

    /// <summary>How many of <paramref name="runs"/> lft-train runs go at once: as many as the cores and (on the CPU) the
    /// estimate's peak per run allow.</summary>
    public static int Parallel(int runs, ConfigAnalysis analysis)
    {
        var peak = analysis.Plan?.Hardware.Gpu.IsCpu == true ? analysis.Estimate?.Memory.PeakBytes : null;
        return SweepParallelism.Choose(runs, peak, Environment.ProcessorCount, SweepParallelism.AvailableBytes());
    }
}
