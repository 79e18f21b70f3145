using System.Globalization;
using LspFineTune.Calibration;
using LspFineTune.Core.Estimation;

// Scores the estimator on the calibration set (tests/calibration): each row's config goes through the pipeline the CLI
// uses, and its estimate is compared with the published measurement of the same kind. Prints per row the estimate, the
// measurement and the error, then per source the median |error| of memory and runtime and the out-of-memory agreement.
// Memory error: (estimate - measured) / measured. Runtime error: estimated step time / measured step time - 1, so a
// positive runtime error means the estimate is too slow. Not a test: no thresholds here (the bar is in docs/benchmarks.md).
// Usage: dotnet run -c Release --project bench/LspFineTune.Calibration [-- --markdown]
var markdown = args.Contains("--markdown");
var root = CalibrationSet.RepositoryRoot();
var sources = CalibrationSet.Load(CalibrationSet.Folder(root));
var scored = new List<(string Source, RowScore Score)>();

foreach (var source in sources)
{
    if (markdown)
    {
        Console.WriteLine($"\n#### {source.Id}\n\n{source.Title} ({source.Date})\n");
        Console.WriteLine("| row | kind | measured GiB | estimate GiB | memory error | measured runtime (per GPU) | estimate | runtime error | OOM measured / estimated |");
        Console.WriteLine("|---|---|---:|---:|---:|---:|---:|---:|---|");
    }
    else
    {
        Console.WriteLine($"\n{source.Id}: {source.Title} ({source.Date})");
        Console.WriteLine($"  {"row",-44} {"kind",-9} {"measured",9} {"estimate",9} {"error",8} {"runtime",12} {"estimate",12} {"error",8}  oom (measured/estimated)");
    }
    foreach (var row in source.Rows)
    {
        var score = RowScore.Of(row);
        scored.Add((source.Id, score));
        Console.WriteLine(markdown ? score.MarkdownLine() : score.TextLine());
    }
}

Console.WriteLine(markdown ? "\n#### Summary\n\n| source | rows | memory rows | memory median \\|error\\| | runtime rows | runtime median \\|error\\| | OOM verdicts right |\n|---|---:|---:|---:|---:|---:|---:|"
    : $"\n{"source",-40} {"rows",5} {"mem n",6} {"mem median|err|",16} {"rt n",5} {"rt median|err|",15} {"OOM right",10}");
foreach (var group in scored.GroupBy(s => s.Source).Append(scored.GroupBy(_ => "all sources").Single()))
    Console.WriteLine(Summary(group.Key, group.Select(g => g.Score).ToList(), markdown));

static string Summary(string name, List<RowScore> rows, bool markdown)
{
    var memory = rows.Where(r => r.MemoryError is not null).Select(r => Math.Abs(r.MemoryError!.Value)).ToList();
    var runtime = rows.Where(r => r.RuntimeError is not null).Select(r => Math.Abs(r.RuntimeError!.Value)).ToList();
    var oom = rows.Where(r => r.OomAgrees is not null).ToList();
    var oomText = oom.Count == 0 ? "-" : $"{oom.Count(r => r.OomAgrees == true)}/{oom.Count} ({100.0 * oom.Count(r => r.OomAgrees == true) / oom.Count:0}%)";
    return markdown
        ? $"| {name} | {rows.Count} | {memory.Count} | {Pct(Median(memory))} | {runtime.Count} | {Pct(Median(runtime))} | {oomText} |"
        : $"{name,-40} {rows.Count,5} {memory.Count,6} {Pct(Median(memory)),16} {runtime.Count,5} {Pct(Median(runtime)),15} {oomText,10}";
}

static double? Median(List<double> values)
{
    if (values.Count == 0)
        return null;
    var sorted = values.Order().ToList();
    var mid = sorted.Count / 2;
    return sorted.Count % 2 == 1 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
}

static string Pct(double? fraction) => fraction is { } f ? (f * 100).ToString("0.0", CultureInfo.InvariantCulture) + "%" : "-";


/// <summary>One row compared with its estimate; the errors are null where the row is not scored.</summary>
internal sealed record RowScore(CalibrationRow Row, Estimate? Estimate, double? EstimatedGib, double? MemoryError,
    double? MeasuredTokensPerGpu, double? EstimatedTokensPerGpu, double? RuntimeError, bool? EstimatedOom, bool? OomAgrees)
{
    public static RowScore Of(CalibrationRow row)
    {
        var estimate = CalibrationSet.Analyze(row).Estimate;
        if (estimate is null)
            return new RowScore(row, null, null, null, null, null, null, null, null);
        var kind = row.Kind ?? MemoryKind.Device;
        var estimatedGib = CalibrationSet.EstimatedBytes(estimate.Memory, kind) / (double)(1L << 30);
        double? memoryError = row.ScoresMemory ? estimatedGib / row.MemoryGib!.Value - 1 : null;

        var gpus = estimate.Plan.Hardware.TotalGpus;
        var runtime = estimate.Runtime;
        var estimatedPerGpu = runtime.TokensPerSecond / gpus;
        double? measuredPerGpu = row.TokensPerSecond is { } tps ? row.RuntimeScope == "total" ? tps / gpus : tps : null;
        double? runtimeError = null;
        if (row.ScoresRuntime)
        {
            // Step time ratio: tokens per second are inverse times for the same tokens per step.
            runtimeError = measuredPerGpu is { } measured ? measured / estimatedPerGpu - 1
                : row.StepSeconds is { } seconds ? runtime.StepSeconds / seconds - 1 : null;
        }
        var estimatedOom = !estimate.Memory.Fits;
        bool? agrees = row.ScoresOom ? estimatedOom == row.Oom : null;
        return new RowScore(row, estimate, estimatedGib, memoryError, measuredPerGpu, estimatedPerGpu, runtimeError, estimatedOom, agrees);
    }

    private string Measured => Row.MemoryGib is { } m ? m.ToString("0.00", CultureInfo.InvariantCulture) : Row.Oom == true ? "OOM" : "-";

    private string Estimated => EstimatedGib is { } e ? e.ToString("0.00", CultureInfo.InvariantCulture) : "no estimate";

    private string OomText => $"{(Row.Oom is { } o ? o ? "OOM" : "fits" : "?")}/{(EstimatedOom is { } e ? e ? "OOM" : "fits" : "-")}{(OomAgrees == false ? " WRONG" : "")}";

    private string Flag => Row.Unscored is not null ? " (not scored: setup unstated)" : "";

    private static string Num(double? v, string format) => v is { } x ? x.ToString(format, CultureInfo.InvariantCulture) : "-";

    private static string Err(double? v) => v is { } x ? (x * 100).ToString("+0;-0;0", CultureInfo.InvariantCulture) + "%" : "-";

    /// <summary>The measured runtime in the row's own unit (tokens/s per GPU, or seconds per step) and the estimate in the same unit.</summary>
    private (string Measured, string Estimated) Runtime =>
        MeasuredTokensPerGpu is { } tps ? (Num(tps, "0") + " tok/s", Num(EstimatedTokensPerGpu, "0") + " tok/s")
        : Row.StepSeconds is { } s ? (Num(s, "0.0") + " s", Num(Estimate?.Runtime.StepSeconds, "0.0") + " s")
        : ("-", Estimate is { } e ? Num(EstimatedTokensPerGpu, "0") + " tok/s" : "-");

    public string TextLine() =>
        $"  {Row.FileName,-44} {Row.MemoryKindName,-9} {Measured,9} {Estimated,9} {Err(MemoryError),8} {Runtime.Measured,12} {Runtime.Estimated,12} {Err(RuntimeError),8}  {OomText}{Flag}";

    public string MarkdownLine() =>
        $"| {Row.FileName}{Flag} | {Row.MemoryKindName} | {Measured} | {Estimated} | {Err(MemoryError)} | {Runtime.Measured} | {Runtime.Estimated} | {Err(RuntimeError)} | {OomText} |";
}
