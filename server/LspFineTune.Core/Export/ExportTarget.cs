namespace LspFineTune.Core.Export;

/// <summary>The formats `lft export --to` writes (CONFIG.md "Running, exporting and tuning").</summary>
public enum ExportTarget { Native, Axolotl, DeepSpeed, Accelerate }

/// <summary>One file an export writes: its absolute path and its text.</summary>
public sealed record ExportedFile(string Path, string Text);

/// <summary>
/// What an export wrote (the main file first; an axolotl config may bring the DeepSpeed JSON it names) and what the
/// target cannot express, each said as a sentence; or why nothing could be written.
/// </summary>
public sealed record ExportResult(IReadOnlyList<ExportedFile> Files, IReadOnlyList<string> NotExpressed, string? Problem = null)
{
    public static ExportResult Refused(string problem) => new([], [], problem);
}

public static class ExportTargets
{
    public static ExportTarget? Parse(string text) => text.ToLowerInvariant() switch
    {
        "native" => ExportTarget.Native,
        "axolotl" => ExportTarget.Axolotl,
        "deepspeed" => ExportTarget.DeepSpeed,
        "accelerate" => ExportTarget.Accelerate,
        _ => null,
    };

    /// <summary>The file an export writes when no <c>-o</c> is given, beside the config: <c>NAME.lft.yaml</c>,
    /// <c>NAME.axolotl.yaml</c>, <c>NAME.deepspeed.json</c>, <c>NAME.accelerate.yaml</c>.</summary>
    public static string DefaultPath(string configPath, ExportTarget target)
    {
        var folder = Path.GetDirectoryName(Path.GetFullPath(configPath))!;
        var stem = Path.GetFileName(configPath);
        foreach (var suffix in new[] { ".lft.yaml", ".lft.yml", ".lft.json", ".yaml", ".yml", ".json" })
        {
            if (stem.EndsWith(suffix, StringComparison.OrdinalIgnoreCase))
            {
                stem = stem[..^suffix.Length];
                break;
            }
        }
        var name = target switch
        {
            ExportTarget.Native => stem + ".lft.yaml",
            ExportTarget.Axolotl => stem + ".axolotl.yaml",
            ExportTarget.DeepSpeed => stem + ".deepspeed.json",
            _ => stem + ".accelerate.yaml",
        };
        return Path.Combine(folder, name);
    }
}
