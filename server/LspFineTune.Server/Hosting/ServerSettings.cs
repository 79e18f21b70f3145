using System.Text.Json;
using LspFineTune.Core;
using LspFineTune.Core.Catalogs;
using LspFineTune.Core.Dialects;
using LspFineTune.Core.Planning;

namespace LspFineTune.Server.Hosting;

/// <summary>
/// The editor settings under the <c>lft</c> section (VS Code <c>lft.defaultGpu</c> etc.), from initializationOptions,
/// <c>workspace/configuration</c> or <c>didChangeConfiguration</c>. Invalid values are reported and ignored, never fatal.
/// </summary>
public sealed record ServerSettings
{
    public const string Section = "lft";

    /// <summary>GPU assumed when a config has no <c>hardware.gpu</c>.</summary>
    public string DefaultGpu { get; init; } = new BindingOptions().DefaultGpu;

    /// <summary>GPUs per node assumed when a config has no <c>hardware.gpus_per_node</c>.</summary>
    public int GpuCount { get; init; } = 1;

    public bool ValidateSchema { get; init; } = true;

    /// <summary>"GB" (10^9 bytes, as GPU vendors count) or "GiB" (2^30, as nvidia-smi and PyTorch count).</summary>
    public bool BinaryUnits { get; init; }

    /// <summary>Quiet time after the last keystroke before diagnostics are computed and published.</summary>
    public int DiagnosticsDelayMs { get; init; } = 50;

    /// <summary>Nodes assumed when nothing else says (<c>lft.nodeCount</c>).</summary>
    public int NodeCount { get; init; } = 1;

    /// <summary><c>lft.accelerateConfig</c>: the accelerate config runs are launched with (relative to the workspace folder).</summary>
    public string? AccelerateConfig { get; init; }

    /// <summary><c>lft.dialects</c>: file globs mapped to a dialect id, stronger than content detection.</summary>
    public DialectGlobs Dialects { get; init; } = DialectGlobs.None;

    /// <summary>The first workspace folder (from initialize): the launch directory the frameworks resolve paths against.</summary>
    public string? WorkspaceFolder { get; init; }

    public AnalysisOptions ToAnalysisOptions() => new()
    {
        ValidateSchema = ValidateSchema,
        BinaryUnits = BinaryUnits,
        DialectAssociations = Dialects.Items,
        Binding = new BindingOptions
        {
            DefaultGpu = DefaultGpu,
            DefaultGpusPerNode = GpuCount,
            DefaultNodes = NodeCount,
            AccelerateConfigPath = AccelerateConfig,
            DefaultsOrigin = ValueOrigin.Settings,
            WorkspaceFolder = WorkspaceFolder,
        },
    };

    /// <summary>
    /// Reads settings from <paramref name="json"/>: either the <c>lft</c> object itself or an object holding it.
    /// Keys that are missing keep the value of <paramref name="current"/>; bad values add a line to <paramref name="problems"/>.
    /// </summary>
    public static ServerSettings Read(JsonElement? json, ServerSettings current, List<string> problems)
    {
        if (json is not { ValueKind: JsonValueKind.Object } element)
            return current;
        if (element.TryGetProperty(Section, out var nested) && nested.ValueKind == JsonValueKind.Object)
            element = nested;
        var settings = current;
        foreach (var property in element.EnumerateObject())
        {
            var value = property.Value;
            switch (property.Name)
            {
                case "defaultGpu" when value.ValueKind == JsonValueKind.String:
                    var gpu = LspJson.String(value)!;
                    if (GpuCatalog.Default.Find(gpu) is { } spec)
                        settings = settings with { DefaultGpu = spec.Id };
                    else
                        problems.Add($"Setting lft.defaultGpu: unknown GPU `{gpu}`; keeping `{settings.DefaultGpu}`. Run `lft gpus` for the ids.");
                    break;
                case "gpuCount" when value.ValueKind == JsonValueKind.Number:
                    if (value.TryGetInt32(out var count) && count is >= 1 and <= 1024)
                        settings = settings with { GpuCount = count };
                    else
                        problems.Add($"Setting lft.gpuCount: {value.GetRawText()} is not a whole number from 1 to 1024; keeping {settings.GpuCount}.");
                    break;
                case "validateSchema" when value.ValueKind is JsonValueKind.True or JsonValueKind.False:
                    settings = settings with { ValidateSchema = value.GetBoolean() };
                    break;
                case "units" when value.ValueKind == JsonValueKind.String:
                    var units = LspJson.String(value);
                    if (units is "GB" or "GiB")
                        settings = settings with { BinaryUnits = units == "GiB" };
                    else
                        problems.Add($"Setting lft.units: `{units}` is neither \"GB\" nor \"GiB\"; keeping {(settings.BinaryUnits ? "GiB" : "GB")}.");
                    break;
                case "diagnosticsDelayMs" when value.ValueKind == JsonValueKind.Number:
                    if (value.TryGetInt32(out var delay) && delay is >= 0 and <= 5000)
                        settings = settings with { DiagnosticsDelayMs = delay };
                    break;
                case "trainerPath" or "dotnetPath":
                    // Program paths are never read from the editor's configuration, which a workspace can set: the
                    // trainer comes from the server's launch environment (see TrainerLocator). VS Code sends its whole
                    // `lft` section, these keys included, so they are recognised and pass without a word.
                    break;
                case "nodeCount" when value.ValueKind == JsonValueKind.Number:
                    if (value.TryGetInt32(out var nodes) && nodes is >= 1 and <= 4096)
                        settings = settings with { NodeCount = nodes };
                    else
                        problems.Add($"Setting lft.nodeCount: {value.GetRawText()} is not a whole number from 1 to 4096; keeping {settings.NodeCount}.");
                    break;
                case "accelerateConfig" when value.ValueKind == JsonValueKind.String:
                    settings = settings with { AccelerateConfig = LspJson.String(value)!.Trim() is { Length: > 0 } accelerate ? accelerate : null };
                    break;
                case "dialects" when value.ValueKind == JsonValueKind.Object:
                    var associations = new List<DialectAssociation>();
                    foreach (var entry in value.EnumerateObject())
                    {
                        if (entry.Value.ValueKind == JsonValueKind.String && DialectRegistry.Default.Find(LspJson.String(entry.Value)!) is { } dialect)
                            associations.Add(new DialectAssociation(entry.Name, dialect.Id));
                        else
                            problems.Add($"Setting lft.dialects: `{entry.Name}` maps to {entry.Value.GetRawText()}, which is not a dialect ({DialectRegistry.Default.KnownIds}); it is ignored.");
                    }
                    settings = settings with { Dialects = new DialectGlobs(associations) };
                    break;
                case "defaultGpu" or "gpuCount" or "nodeCount" or "accelerateConfig" or "dialects" or "validateSchema" or "units" or "diagnosticsDelayMs":
                    if (value.ValueKind != JsonValueKind.Null)
                        problems.Add($"Setting lft.{property.Name}: {value.GetRawText()} has the wrong type; it is ignored.");
                    break;
            }
        }
        return settings;
    }
}

/// <summary>The <c>lft.dialects</c> associations, compared by value so an unchanged setting re-analyses nothing.</summary>
public sealed record DialectGlobs(IReadOnlyList<DialectAssociation> Items)
{
    public static readonly DialectGlobs None = new([]);

    public bool Equals(DialectGlobs? other) => other is not null && Items.SequenceEqual(other.Items);

    public override int GetHashCode() => Items.Aggregate(0, (hash, item) => HashCode.Combine(hash, item));
}
