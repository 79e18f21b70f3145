using System.Text.Json;
using LspFineTune.Calibration;
using LspFineTune.Core.Diagnostics;
using LspFineTune.Core.Dialects;

namespace LspFineTune.Core.Tests.Estimation;

/// <summary>
/// The calibration set (tests/calibration) stays usable: every row's config is read by the dialect its source used,
/// binds without a binding error, resolves its model from the catalog and its GPUs from the modeline, and every
/// measurement says which memory it measured and where it was published. How close the estimates come is the
/// calibration benchmark's business (bench/LspFineTune.Calibration), not a test's.
/// </summary>
public sealed class CalibrationSetTests
{
    private static readonly string Folder = CalibrationSet.Folder(CalibrationSet.RepositoryRoot());

    [Fact]
    public void Every_row_is_read_by_its_sources_dialect_and_resolves_its_model_and_gpus()
    {
        var problems = new List<string>();
        foreach (var source in CalibrationSet.Load(Folder))
        {
            var dialect = SourceText(source, "dialect");
            foreach (var row in source.Rows)
            {
                var where = $"{source.Id}/{row.FileName}";
                if (!File.Exists(row.ConfigPath))
                {
                    problems.Add($"{where}: no such config file");
                    continue;
                }
                var analysis = CalibrationSet.Analyze(row);
                if (analysis.Dialect?.Id != dialect)
                    problems.Add($"{where}: read as {analysis.Dialect?.Id ?? "no dialect"}, the source used {dialect}");
                problems.AddRange(analysis.Diagnostics
                    .Where(d => d.Severity == DiagnosticSeverity.Error && d.Code.StartsWith("LFT02", StringComparison.Ordinal))
                    .Select(d => $"{where}: {d.Code} {d.Message}"));
                if (analysis.Plan is not { } plan || analysis.Estimate is null)
                {
                    problems.Add($"{where}: no plan or estimate");
                    continue;
                }
                if (plan.Model.PublishedParameters is null)
                    problems.Add($"{where}: model {plan.Model.Id} is not resolved from the catalog");
                if (analysis.Provenance.Of(PlanField.Gpu).Origin != ValueOrigin.Modeline)
                    problems.Add($"{where}: the GPU does not come from the row's modeline");
            }
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    [Fact]
    public void Every_measurement_names_its_memory_kind_and_every_source_where_it_was_published()
    {
        var sources = CalibrationSet.Load(Folder);
        Assert.True(sources.Count >= 5, $"{sources.Count} sources");
        var problems = new List<string>();
        foreach (var source in sources)
        {
            foreach (var field in new[] { "id", "title", "url", "date", "where", "framework", "dialect", "gpu", "memory_kind", "setup" })
            {
                if (string.IsNullOrWhiteSpace(SourceText(source, field)))
                    problems.Add($"{source.Id}: source.json has no {field}");
            }
            if (Path.GetFileName(source.Folder) != source.Id)
                problems.Add($"{source.Id}: the folder is named {Path.GetFileName(source.Folder)}");
            if (source.Rows.Count == 0)
                problems.Add($"{source.Id}: no rows");
            foreach (var row in source.Rows)
            {
                var where = $"{source.Id}/{row.FileName}";
                if (row.Kind is null)
                    problems.Add($"{where}: memory_kind '{row.MemoryKindName}' is not allocated, reserved, device or oom");
                else if (row.Kind == MemoryKind.Oom ? row.Oom != true : row.MemoryGib is not > 0)
                    problems.Add($"{where}: a {row.MemoryKindName} row needs {(row.Kind == MemoryKind.Oom ? "oom: true" : "a positive memory_gib")}");
                if (row.TokensPerSecond is not null && row.RuntimeScope is not ("per_gpu" or "total"))
                    problems.Add($"{where}: tokens_per_second needs runtime_scope per_gpu or total");
            }
            if (source.Rows.Select(r => r.FileName).Distinct().Count() != source.Rows.Count)
                problems.Add($"{source.Id}: a config file is listed twice");
        }
        Assert.True(problems.Count == 0, string.Join("\n", problems));
    }

    private static string? SourceText(CalibrationSource source, string field)
    {
        using var json = JsonDocument.Parse(File.ReadAllText(Path.Combine(source.Folder, "source.json")));
        return json.RootElement.TryGetProperty(field, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
    }
}
