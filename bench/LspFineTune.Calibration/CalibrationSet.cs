using System.Text.Json;
using LspFineTune.Core;
using LspFineTune.Core.Estimation;

namespace LspFineTune.Calibration;

/// <summary>Which memory figure a source measured (tests/calibration/README.md).</summary>
public enum MemoryKind
{
    /// <summary>torch.cuda.max_memory_allocated (or torchtune's active peak, equal up to rounding).</summary>
    Allocated,

    /// <summary>torch.cuda.max_memory_reserved: what the caching allocator holds.</summary>
    Reserved,

    /// <summary>nvidia-smi or a GPU-memory graph: the process's total, CUDA context included.</summary>
    Device,

    /// <summary>The source says only whether the run went out of memory.</summary>
    Oom,
}

/// <summary>One published source: a folder of tests/calibration with its source.json and measurements.json.</summary>
public sealed record CalibrationSource(string Id, string Folder, string Title, string Url, string Date, IReadOnlyList<CalibrationRow> Rows);

/// <summary>
/// One measured run: its config file and what was measured. Runtime is either tokens per second (per GPU or in total)
/// or seconds per optimizer step. A row (or its runtime) is printed but not scored when the source leaves part of the
/// setup unstated; the reason is in the row.
/// </summary>
public sealed record CalibrationRow(
    string SourceId,
    string ConfigPath,
    string Label,
    double? MemoryGib,
    string MemoryKindName,
    MemoryKind? Kind,
    double? TokensPerSecond,
    string? RuntimeScope,
    double? StepSeconds,
    bool? Oom,
    string? Unscored,
    string? RuntimeUnscored)
{
    public string FileName => Path.GetFileName(ConfigPath);

    public bool ScoresMemory => Unscored is null && MemoryGib is not null && Kind is not null and not MemoryKind.Oom;

    public bool ScoresRuntime => Unscored is null && RuntimeUnscored is null && (TokensPerSecond is not null || StepSeconds is not null);

    public bool ScoresOom => Unscored is null && Oom is not null;
}

public static class CalibrationSet
{
    /// <summary>tests/calibration under the repository root.</summary>
    public static string Folder(string repositoryRoot) => Path.Combine(repositoryRoot, "tests", "calibration");

    /// <summary>The checkout this program or test runs from: the folder above its binaries that holds LspFineTune.sln.</summary>
    public static string RepositoryRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "LspFineTune.sln")))
                return dir.FullName;
        }
        throw new InvalidOperationException("run from inside the repository");
    }

    /// <summary>Every source folder (one holding a measurements.json), in name order.</summary>
    public static IReadOnlyList<CalibrationSource> Load(string calibrationFolder) =>
        Directory.GetDirectories(calibrationFolder).Order(StringComparer.Ordinal)
            .Where(d => File.Exists(Path.Combine(d, "measurements.json")))
            .Select(LoadSource)
            .ToList();

    public static CalibrationSource LoadSource(string folder)
    {
        using var source = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "source.json")));
        using var measurements = JsonDocument.Parse(File.ReadAllText(Path.Combine(folder, "measurements.json")));
        var s = source.RootElement;
        var id = Text(s, "id") ?? Path.GetFileName(folder);
        var rows = measurements.RootElement.GetProperty("rows").EnumerateArray().Select(r => new CalibrationRow(
            id,
            Path.Combine(folder, Text(r, "file") ?? ""),
            Text(r, "label") ?? "",
            Number(r, "memory_gib"),
            Text(r, "memory_kind") ?? "",
            ParseKind(Text(r, "memory_kind")),
            Number(r, "tokens_per_second"),
            Text(r, "runtime_scope"),
            Number(r, "step_seconds"),
            r.TryGetProperty("oom", out var oom) && oom.ValueKind is JsonValueKind.True or JsonValueKind.False ? oom.GetBoolean() : null,
            Text(r, "unscored"),
            Text(r, "runtime_unscored"))).ToList();
        return new CalibrationSource(id, folder, Text(s, "title") ?? "", Text(s, "url") ?? "", Text(s, "date") ?? "", rows);
    }

    public static MemoryKind? ParseKind(string? name) => name switch
    {
        "allocated" => MemoryKind.Allocated,
        "reserved" => MemoryKind.Reserved,
        "device" => MemoryKind.Device,
        "oom" => MemoryKind.Oom,
        _ => null,
    };

    /// <summary>
    /// Analyses a row the way <c>lft estimate FILE</c> does: the file's own text, its modeline for the GPUs, companion
    /// files resolved from its folder; accelerate's per-user default config is not consulted, so a run on another machine
    /// gets the same estimate.
    /// </summary>
    public static ConfigAnalysis Analyze(CalibrationRow row)
    {
        var options = new AnalysisOptions
        {
            Binding = new() { WorkspaceFolder = Path.GetDirectoryName(row.ConfigPath), AccelerateDefaultConfig = null },
        };
        return ConfigAnalyzer.AnalyzeFile(row.ConfigPath, File.ReadAllText(row.ConfigPath), options);
    }

    /// <summary>
    /// The estimate's figure that a measurement of this kind is compared with. Every kind reads the peak for now; when
    /// the estimate carries allocated and reserved peaks, this is the one line to change.
    /// </summary>
    public static long EstimatedBytes(MemoryEstimate memory, MemoryKind kind) => kind switch
    {
        MemoryKind.Allocated => memory.AllocatedBytes,
        MemoryKind.Reserved => memory.ReservedBytes,
        _ => memory.PeakBytes,
    };

    private static string? Text(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static double? Number(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;
}
