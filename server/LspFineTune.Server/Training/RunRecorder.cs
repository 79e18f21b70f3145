using System.Globalization;
using LspFineTune.Core;
using LspFineTune.Core.Dialects;
using LspFineTune.Core.Runs.History;

namespace LspFineTune.Server.Training;

/// <summary>
/// The end of a training run, for either engine and either front end (`lft train`, the editor's lft.train): one summary
/// line (the measured peak next to the estimate's figure for the same quantity, the measured speed next to the
/// estimated) and the run appended to <c>.lft/runs.jsonl</c> next to the config. A history that cannot be written is
/// said, never fatal: the run itself happened.
/// </summary>
public static class RunRecorder
{
    public sealed record Run(string ConfigPath, string ConfigText, ConfigAnalysis Analysis, string Engine, string? Framework, string Command, DateTimeOffset Started);

    /// <summary>The run's summary, and where it was recorded (or why it could not be).</summary>
    public sealed record Finished(string Summary, string History)
    {
        public override string ToString() => $"{Summary}; {History}";
    }

    /// <summary>Appends the run to the history.</summary>
    public static Finished Finish(Run run, MeasuredFigures measured, int exitCode, RunOutcome outcome)
    {
        var estimate = run.Analysis.Estimate is { } e ? EstimatedFigures.Of(e) : null;
        var record = new RunRecord
        {
            Time = run.Started,
            Config = Path.GetFileName(run.ConfigPath),
            ConfigSha256 = RunHistory.Hash(run.ConfigText),
            Dialect = run.Analysis.Dialect?.Id,
            Engine = run.Engine,
            Framework = run.Framework,
            Command = run.Command,
            Hardware = run.Analysis.Plan is { } plan
                ? new RunHardware(plan.Hardware.Gpu.Id, plan.Hardware.GpusPerNode, plan.Hardware.Nodes, run.Analysis.Provenance.Of(PlanField.GpusPerNode).OriginName)
                : null,
            Estimate = estimate,
            Measured = measured,
            ExitCode = exitCode,
            Outcome = outcome,
            Seconds = (DateTimeOffset.UtcNow - run.Started).TotalSeconds,
        };
        string history;
        try
        {
            history = $"recorded in {Path.GetRelativePath(Directory.GetCurrentDirectory(), RunHistory.Append(run.ConfigPath, record))}";
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            history = $"the run history could not be written ({ex.Message})";
        }
        return new Finished(Describe(outcome, exitCode, measured, estimate), history);
    }

    /// <summary>"done after 120 steps, final loss 1.734; peak 17.0 GB reserved measured vs 16.3 GB estimated (estimate −4%); 2,345 tokens/s (estimated 2,100)".</summary>
    public static string Describe(RunOutcome outcome, int exitCode, MeasuredFigures measured, EstimatedFigures? estimate)
    {
        var text = outcome switch
        {
            RunOutcome.Done => "done",
            RunOutcome.Cancelled => "stopped",
            _ => $"failed with exit code {exitCode}",
        };
        if (measured.Steps is { } steps)
            text += $" after {steps.ToString("N0", CultureInfo.InvariantCulture)} step{(steps == 1 ? "" : "s")}";
        if (measured.FinalLoss is { } loss && double.IsFinite(loss))
            text += $", final loss {loss.ToString("0.000", CultureInfo.InvariantCulture)}";
        text += measured.PeakBytes is { } peak
            ? $"; peak {RunComparison.Describe(peak, measured.Kind, estimate?.For(measured.Kind), binaryUnits: false)}" + (measured.Source is { } source ? $" (from {source})" : "")
            : estimate is not null ? $"; the run reported no peak memory (estimated {Core.Estimation.ByteSizes.Format(estimate.ReservedBytes)} reserved per GPU)" : "";
        if (measured.TokensPerSecondPerGpu is { } tokens && double.IsFinite(tokens))
            text += $"; {tokens.ToString("N0", CultureInfo.InvariantCulture)} tokens/s per GPU" + (estimate is { TokensPerSecondPerGpu: > 0 } e ? $" (estimated {e.TokensPerSecondPerGpu.ToString("N0", CultureInfo.InvariantCulture)})" : "");
        else if (measured.StepsPerSecond is { } rate && rate > 0 && double.IsFinite(rate))
            text += $"; {(1 / rate).ToString("0.00", CultureInfo.InvariantCulture)} s/step" + (estimate is { StepSeconds: > 0 } e ? $" (estimated {e.StepSeconds.ToString("0.00", CultureInfo.InvariantCulture)})" : "");
        return text;
    }
}
