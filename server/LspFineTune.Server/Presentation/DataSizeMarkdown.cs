using System.Globalization;
using System.Text;
using LspFineTune.Core.Tuning;

namespace LspFineTune.Server.Presentation;

/// <summary>The hover's data-size section on the keys that name the train data or its size: the paper's figures as
/// context, then this config's own measured curve when `lft data-curve` has run, else how to measure it.</summary>
public static class DataSizeMarkdown
{
    /// <summary>Oliver and Wang 2024 (arXiv 2407.13906), as summarised in shared/notes/papers.md §4.</summary>
    public const string PaperContext =
        "**Data size.** Oliver and Wang 2024 (LoRA, product-attribute extraction): 200 examples raised accuracy from 70% to 88%, "
        + "gains slowed after about 1,000 and saturated near 6,500. Where a task flattens is its own: measure it.";

    public static string Section(string configPath, long? examples, DataCurveRecord? record)
    {
        var text = new StringBuilder(PaperContext).AppendLine().AppendLine();
        var file = Path.GetFileName(configPath);
        if (record is null)
            return text.Append($"`lft data-curve {file}` trains this config on nested subsets of its data and fits where gains flatten.").ToString();
        var curve = SaturationCurve.Fit(record.Points);
        var size = examples ?? record.Examples;
        text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"Measured by `lft data-curve` on {record.Time:yyyy-MM-dd} ({(record.Budget == DataCurveRecord.StepsBudget ? "each subset the whole run's steps" : "each subset the whole run's epochs")}):"));
        text.AppendLine().AppendLine("| examples | steps | eval loss |").AppendLine("|---:|---:|---:|");
        foreach (var run in record.Runs)
            text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"| {run.Examples:N0} | {run.Steps:N0} | {(run.EvalLoss is { } loss ? loss.ToString("F4", CultureInfo.InvariantCulture) : "failed")} |"));
        text.AppendLine();
        if (curve is not null)
            text.AppendLine(string.Create(CultureInfo.InvariantCulture, $"Fitted: eval loss = {curve.Floor:F3} + {curve.Scale:G4} · n^−{curve.Exponent:F3} (R² {curve.RSquared:F2})."));
        var verdict = DataSizeVerdict.Of(curve, size, record.Budget == DataCurveRecord.EpochsBudget);
        text.AppendLine().Append(verdict.Describe() ?? "The losses do not fall clearly with more data: no point of flattening can be read from them.");
        if (record.Examples != size)
            text.Append(string.Create(CultureInfo.InvariantCulture, $" (measured when the data had {record.Examples:N0} examples; it has {size:N0} now.)"));
        return text.ToString();
    }
}
