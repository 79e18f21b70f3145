using LspFineTune.Core.Advice;
using LspFineTune.Core.Diagnostics;
using LspFineTune.Core.Dialects;
using LspFineTune.Core.Estimation;
using LspFineTune.Core.Syntax;

namespace LspFineTune.Core;

/// <summary>
/// The pipeline every front end drives: text -> syntax -> dialect -> schema -> binding -> estimate -> findings.
/// Never throws for any text: each stage turns problems into diagnostics and later stages run on what is usable.
/// A document that no dialect claims is left alone.
/// </summary>
public static class ConfigAnalyzer
{
    /// <summary>
    /// Training configs are a few KB. A larger YAML or JSON document (a dataset, an export) is not parsed at all unless
    /// something other than its content says it is a config: <c>--dialect</c>, the modeline, or an <c>.lft.*</c> name.
    /// </summary>
    public const int MaxUnmarkedConfigCharacters = 2_000_000;

    /// <summary>
    /// No document larger than this is analysed, even one marked as a config: the largest of the 664 upstream configs in
    /// the corpus is 12 KB, and analysis costs memory and time in proportion to the keys (a 1M-key document would hold
    /// gigabytes in the editor). It gets one error saying so instead.
    /// </summary>
    public const int MaxConfigCharacters = 4 * 1024 * 1024;

    public static ConfigAnalysis Analyze(string text, AnalysisOptions? options = null)
    {
        options ??= new AnalysisOptions();
        if (options.Dialect is null && !MayBeConfig(text, options.Binding.DocumentPath))
            return new ConfigAnalysis(ConfigParser.Parse("", options.Format), null, null, null, []);
        if (text.Length > MaxConfigCharacters)
            return TooLarge(text, options);
        var tree = ConfigParser.Parse(text, options.Format);
        var document = DocumentContext.Of(text, tree, options.Binding.DocumentPath);
        var match = DialectRegistry.Default.Detect(document, options.Dialect, options.DialectAssociations);
        if (match is null)
            return new ConfigAnalysis(tree, null, null, null, []);
        var dialect = match.Dialect;
        var diagnostics = new List<Diagnostic>(tree.Diagnostics);
        if (tree.RootMapping is null)
            return new ConfigAnalysis(tree, match, null, null, diagnostics);

        if (options.ValidateSchema && dialect.Schema is { } schema)
            diagnostics.AddRange(SuggestionFixes.Attach(tree, dialect.ReviewSchemaFindings(document, schema.Validate(tree))));

        var binding = dialect.Bind(document, options.Binding);
        binding.ApplyStatedLengths();
        diagnostics.AddRange(binding.Diagnostics);
        Estimate? estimate = null;
        if (binding.Plan is not null)
        {
            estimate = Estimate.For(binding.Plan);
            diagnostics.AddRange(FindingRules.For(binding, estimate, dialect, options.BinaryUnits));
            diagnostics.AddRange(DataSizeFindings.For(binding, options.Binding.Files));
        }
        var ordered = diagnostics
            .OrderBy(d => d.FilePath is null ? 0 : 1)
            .ThenBy(d => d.FilePath, StringComparer.Ordinal)
            .ThenBy(d => d.Range.Start)
            .ThenBy(d => d.Severity)
            .ToList();
        return new ConfigAnalysis(tree, match, binding, estimate, DiagnosticCap.Apply(ordered));
    }

    /// <summary>A document over the cap: claimed or not by its marks alone (forced dialect, modeline, glob, file name),
    /// never parsed; a claimed one gets one error on its first line.</summary>
    private static ConfigAnalysis TooLarge(string text, AnalysisOptions options)
    {
        var empty = ConfigParser.Parse("", options.Format);
        var marks = new DocumentContext("", empty, options.Binding.DocumentPath, Modeline.Parse(text));
        var match = DialectRegistry.Default.Detect(marks, options.Dialect, options.DialectAssociations);
        if (match is null)
            return new ConfigAnalysis(empty, null, null, null, []);
        var firstLine = text.AsSpan(0, Math.Min(text.Length, 1000)).IndexOfAny('\r', '\n') is var end and >= 0 ? end : Math.Min(text.Length, 1000);
        var tooLarge = Diagnostic.Error(DiagnosticCodes.DocumentTooLarge,
            $"This document has {text.Length:N0} characters, more than the {MaxConfigCharacters:N0} (4 MiB) lft analyses; "
            + "a fine-tuning config is a few KB. Nothing else in it is checked until it is shorter.",
            new Text.TextRange(new Text.TextPosition(0, 0), new Text.TextPosition(0, firstLine)));
        return new ConfigAnalysis(empty, match, null, null, [tooLarge]);
    }

    /// <summary>
    /// Whether to look at the content at all: configs are YAML or JSON files of a few KB. A file named otherwise (a
    /// Markdown model card with YAML front matter) or a large one (a dataset) is left alone unless its modeline or its
    /// <c>.lft.*</c> name says it is a config.
    /// </summary>
    private static bool MayBeConfig(string text, string? path)
    {
        var extension = path is null ? "" : Path.GetExtension(path);
        if ((text.Length <= MaxUnmarkedConfigCharacters && (extension.Length == 0 || FormatOf(path!) is not null)))
            return true;
        return Modeline.Parse(text).Line is not null
            || (path is not null && Dialects.Native.NativeDialect.Instance.ClaimByFileName(Path.GetFileName(path)) is not null);
    }

    /// <summary>Analyses a config file's text, taking its format from the extension and resolving paths against its folder.</summary>
    public static ConfigAnalysis AnalyzeFile(string path, string text, AnalysisOptions? options = null)
    {
        options ??= new AnalysisOptions();
        return Analyze(text, options with
        {
            Format = options.Format ?? FormatOf(path),
            Binding = options.Binding with { DocumentPath = Path.GetFullPath(path) },
        });
    }

    /// <summary>The format a file name implies (<c>.json</c>/<c>.jsonc</c>, <c>.yaml</c>/<c>.yml</c>), or null: detect from the text.</summary>
    public static DocumentFormat? FormatOf(string path)
    {
        var name = path.Split('?', '#')[0];
        if (name.EndsWith(".json", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".jsonc", StringComparison.OrdinalIgnoreCase))
            return DocumentFormat.Json;
        if (name.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || name.EndsWith(".yml", StringComparison.OrdinalIgnoreCase))
            return DocumentFormat.Yaml;
        return null;
    }
}
