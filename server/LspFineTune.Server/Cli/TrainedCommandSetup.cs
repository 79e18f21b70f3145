using LspFineTune.Core;
using LspFineTune.Core.Diagnostics;
using LspFineTune.Core.Dialects;
using LspFineTune.Core.Planning;
using LspFineTune.Server.Tuning;

namespace LspFineTune.Server.Cli;

/// <summary>A config that the bundled trainer can run many times over (`lft sweep`, `lft data-curve`): claimed, free of
/// errors, bound to a plan, with held-out eval data to score each run by.</summary>
public sealed record TrainableConfig(ConfigAnalysis Analysis, TrainingPlan Plan, IConfigDialect Dialect);

/// <summary>
/// What the commands that run lft-train once per trial check before the first run, each failure one line naming the
/// key to set: every run would fail the same way, so it is said once, before any time is spent.
/// </summary>
public static class TrainedCommandSetup
{
    /// <summary>The config, or null with the reason written and <paramref name="exitCode"/> set.</summary>
    public static TrainableConfig? Load(CommandArguments args, string file, string verb, TextWriter stderr, out int exitCode)
    {
        exitCode = CommandLine.Clean;
        var analysis = ConfigFileLoader.Load(file, AnalysisArguments.From(args), stderr, verb);
        if (analysis is null)
        {
            exitCode = CommandLine.CannotRun;
            return null;
        }
        if (!analysis.IsClaimed)
        {
            stderr.WriteLine(AnalysisArguments.NotAConfig(verb, file));
            exitCode = CommandLine.CannotRun;
            return null;
        }
        exitCode = CommandLine.ConfigHasErrors;
        if (analysis.HasErrors || analysis.Plan is not { } plan || analysis.Dialect is not { } dialect)
        {
            foreach (var diagnostic in analysis.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error))
                stderr.WriteLine(DiagnosticText.Format(DiagnosticText.FileOf(file, diagnostic), diagnostic));
            stderr.WriteLine($"lft {verb}: {file} has errors (above); fix them first: every run would fail the same way.");
            return null;
        }
        if (SweepSetup.MissingEvalData(plan, dialect, file) is { } missing)
        {
            stderr.WriteLine($"lft {verb}: {missing}");
            return null;
        }
        exitCode = CommandLine.Clean;
        return new TrainableConfig(analysis, plan, dialect);
    }

    /// <summary>Runs <paramref name="work"/> with Ctrl+C turned into its cancellation (the trainer runs checkpoint and
    /// stop), then gives its result.</summary>
    public static T WithConsoleCancellation<T>(Func<CancellationToken, Task<T>> work)
    {
        using var cancellation = new CancellationTokenSource();
        ConsoleCancelEventHandler onCancel = (_, e) =>
        {
            e.Cancel = true;
            cancellation.Cancel();
        };
        Console.CancelKeyPress += onCancel;
        try
        {
            return work(cancellation.Token).GetAwaiter().GetResult();
        }
        finally
        {
            Console.CancelKeyPress -= onCancel;
        }
    }
}
