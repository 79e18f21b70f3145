using LspFineTune.Core.Diagnostics;
using LspFineTune.Core.Dialects;
using LspFineTune.Core.Files;
using LspFineTune.Core.Tuning;

namespace LspFineTune.Core.Advice;

/// <summary>
/// LFT0603 on the train data: once <c>lft data-curve</c> has measured this config's curve (its record next to the
/// file, for the same train file), a warning when the data set is far below where gains flatten and information when
/// it is far past it, citing the measured curve. Without a record nothing is said: a size alone does not tell whether
/// a task needs 200 examples or 20,000 (Oliver and Wang 2024's task flattened near 6,500).
/// </summary>
public static class DataSizeFindings
{
    public static IReadOnlyList<Diagnostic> For(DialectBinding binding, IAuxiliaryFiles files)
    {
        if (binding.Document.Path is not { } configPath || binding.Plan?.Data is not { TrainPath: { } train } data)
            return [];
        if (DataCurveRecord.Read(files, configPath) is not { } record
            || !string.Equals(record.TrainPath(configPath), Path.GetFullPath(train), StringComparison.Ordinal))
            return [];
        var verdict = DataSizeVerdict.Of(SaturationCurve.Fit(record.Points), data.NumExamples ?? record.Examples, record.Budget == DataCurveRecord.EpochsBudget);
        if (verdict.Describe() is not { } message || verdict.Standing == DataSizeStanding.Near)
            return [];
        var severity = verdict.Standing == DataSizeStanding.FarBelow ? DiagnosticSeverity.Warning : DiagnosticSeverity.Information;
        return [new Diagnostic(DiagnosticCodes.DataSizeOnCurve, severity, message, binding.Provenance.ValueRange(PlanField.DataTrain))];
    }
}
