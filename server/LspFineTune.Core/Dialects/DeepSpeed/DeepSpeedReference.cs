using LspFineTune.Core.Diagnostics;
using LspFineTune.Core.Files;
using LspFineTune.Core.Planning;
using LspFineTune.Core.Schema;
using LspFineTune.Core.Syntax;

namespace LspFineTune.Core.Dialects.DeepSpeed;

/// <summary>
/// What a trainer config's <c>deepspeed:</c> key leads to: a companion file (read and validated, its diagnostics in
/// that file), a preset resolved by name, or a mapping written inline. <see cref="Settings"/> is null when nothing
/// usable was found (the problem is then a diagnostic on the key).
/// </summary>
public sealed record DeepSpeedReference(PropertyNode Key, DeepSpeedSettings? Settings)
{
    /// <summary>The file read (or the preset used); null for an inline mapping.</summary>
    public CompanionFile? Companion { get; init; }

    public bool IsInline => Companion is null && Settings is not null;

    /// <summary>The source of a value found at <paramref name="property"/> in the DeepSpeed config.</summary>
    public ValueSource SourceOf(PropertyNode? property)
    {
        if (IsInline)
            return property is null ? new ValueSource(ValueOrigin.Default) { Via = Key } : new ValueSource(ValueOrigin.Document) { Property = property, Via = Key };
        return new ValueSource(ValueOrigin.Companion)
        {
            Property = property,
            FilePath = Companion!.IsPreset ? null : Companion.Path,
            Via = Key,
            Detail = Companion.IsPreset ? $"preset {Companion.Path}" : Companion.Path,
        };
    }

    /// <summary>DeepSpeed JSON files are a few KB; a larger one is not a DeepSpeed config.</summary>
    public const long MaxBytes = 1_000_000;

    /// <summary>
    /// Follows the key as the frameworks do: an inline mapping; else a path, tried against the workspace folder (the
    /// launch directory: axolotl, LLaMA-Factory and the HF Trainer open it relative to the current directory), then
    /// the config's folder and its parents; else a preset the framework ships, by name.
    /// </summary>
    public static DeepSpeedReference? Resolve(PropertyNode key, DocumentContext document, BindingOptions options, List<Diagnostic> diagnostics)
    {
        switch (key.Value)
        {
            case MappingNode inline:
                return new DeepSpeedReference(key, DeepSpeedSettings.Read(inline));
            case ScalarNode { IsNull: true }:
                return null;
            case ScalarNode { Value: var path } scalar when path.Trim().Length > 0:
                return ResolvePath(key, scalar, path.Trim(), document, options, diagnostics);
            default:
                return null;
        }
    }

    private static DeepSpeedReference? ResolvePath(PropertyNode key, ScalarNode scalar, string path, DocumentContext document, BindingOptions options, List<Diagnostic> diagnostics)
    {
        var files = options.Files;
        var candidates = Candidates(path, document.Path, options.WorkspaceFolder).ToList();
        foreach (var candidate in candidates)
        {
            var status = files.Stat(candidate);
            if (status.Kind == FileKind.Missing)
                continue;
            if (document.Path is { } self && string.Equals(Path.GetFullPath(self), candidate, StringComparison.Ordinal))
            {
                diagnostics.Add(Diagnostic.Error(DiagnosticCodes.CompanionFileUnreadable,
                    $"`{key.Key.Value}: {path}` names this file itself; it must name a DeepSpeed JSON (e.g. deepspeed_configs/zero2.json).", scalar.Range));
                return new DeepSpeedReference(key, null);
            }
            var read = files.ReadText(candidate, MaxBytes);
            if (read.Text is null)
            {
                diagnostics.Add(Diagnostic.Error(DiagnosticCodes.CompanionFileUnreadable,
                    $"Cannot read the DeepSpeed config `{path}` ({candidate}): {read.Problem}. Point `{key.Key.Value}` at a DeepSpeed JSON file.", scalar.Range));
                return new DeepSpeedReference(key, null);
            }
            return Parse(key, scalar, path, candidate, read.Text, diagnostics);
        }
        if (DeepSpeedPresets.Find(path) is { } preset)
        {
            diagnostics.Add(new Diagnostic(DiagnosticCodes.PresetResolved, DiagnosticSeverity.Information,
                $"`{path}` is not in the workspace; estimated with the {preset.Framework} preset {preset.Name} ({preset.Upstream}). {DeepSpeedPresets.FetchHint(preset.Framework)}", scalar.Range));
            var companion = new CompanionFile(preset.Name, DeepSpeedDialect.Instance.Id, key) { Tree = preset.Tree, IsPreset = true };
            return new DeepSpeedReference(key, preset.Settings) { Companion = companion };
        }
        diagnostics.Add(Diagnostic.Error(DiagnosticCodes.CompanionFileUnreadable,
            $"Cannot find the DeepSpeed config `{path}` (looked in {string.Join(", ", candidates.Select(c => Path.GetDirectoryName(c)).Distinct().Take(3))}); the framework opens it relative to the directory it is launched from. Fix the path, or name a shipped preset such as deepspeed_configs/zero3_bf16.json.", scalar.Range));
        return new DeepSpeedReference(key, null);
    }

    private static DeepSpeedReference Parse(PropertyNode key, ScalarNode scalar, string path, string fullPath, string text, List<Diagnostic> diagnostics)
    {
        var tree = ConfigParser.Parse(text, ConfigAnalyzer.FormatOf(fullPath) ?? DocumentFormat.Json);
        var problems = new List<Diagnostic>(tree.Diagnostics);
        if (tree.RootMapping is { } root && DeepSpeedDialect.Instance.Schema is { } schema)
            problems.AddRange(DeepSpeedDialect.Instance.ReviewSchemaFindings(DocumentContext.Of(text, tree, fullPath), schema.Validate(tree)));
        var inFile = problems.Select(d => d with { FilePath = fullPath }).ToList();
        diagnostics.AddRange(inFile);
        var errors = inFile.Count(d => d.Severity == DiagnosticSeverity.Error);
        if (errors > 0)
        {
            var first = inFile.First(d => d.Severity == DiagnosticSeverity.Error).Message;
            var plural = errors == 1 ? "" : "s";
            diagnostics.Add(Diagnostic.Error(DiagnosticCodes.CompanionFileUnreadable,
                $"The DeepSpeed config `{path}` has {errors} error{plural} (first: {first}).", scalar.Range) with
            {
                Related = [.. inFile.Where(d => d.Severity == DiagnosticSeverity.Error).Take(5).Select(d => new RelatedLocation(d.Range, d.Message) { FilePath = fullPath })],
            });
        }
        var companion = new CompanionFile(fullPath, DeepSpeedDialect.Instance.Id, key) { Tree = tree };
        return new DeepSpeedReference(key, tree.RootMapping is { } mapping ? DeepSpeedSettings.Read(mapping) : null) { Companion = companion };
    }

    /// <summary>Where a relative path is looked for, in order: the workspace folder (the launch directory), then the
    /// config's folder and its parents. Also used for other launch-relative paths (the accelerate config).</summary>
    internal static IEnumerable<string> Candidates(string path, string? documentPath, string? workspace)
    {
        string Full(string p)
        {
            try
            {
                return Path.GetFullPath(p);
            }
            catch (Exception e) when (e is ArgumentException or NotSupportedException or PathTooLongException)
            {
                return p;
            }
        }
        if (Path.IsPathRooted(path))
        {
            yield return Full(path);
            yield break;
        }
        if (workspace is not null)
            yield return Full(Path.Combine(workspace, path));
        for (var folder = documentPath is null ? null : Path.GetDirectoryName(documentPath); folder is not null; folder = Path.GetDirectoryName(folder))
            yield return Full(Path.Combine(folder, path));
        if (documentPath is null && workspace is null)
            yield return Full(path);
    }
}
