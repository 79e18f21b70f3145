using LspFineTune.Core;
using LspFineTune.Core.Diagnostics;
using LspFineTune.Core.Dialects;
using LspFineTune.Core.Syntax;
using LspFineTune.Core.Text;

namespace LspFineTune.Server.Documents;

/// <summary>
/// How large a document the server analyses. A fine-tuning config is a few KB; the largest real one, a LoRA target
/// list of 20,000 module names, is under 1 MB. Analysis costs about a hundred bytes of memory and tens of microseconds
/// per character of text (bench/lsp/growing), so a 4 MiB document is already a few hundred MB and seconds of work per
/// edit; beyond that it is a data file or an export, and the editor should not pay for it. A document over the limit
/// gets one diagnostic on its first line instead of an analysis, if it is marked as a config at all (its name, a
/// modeline, a lft.dialects glob); an unmarked one gets nothing, as Core leaves unmarked documents over
/// <see cref="ConfigAnalyzer.MaxUnmarkedConfigCharacters"/> alone (the limit here is above that one, so the two agree).
/// </summary>
public static class DocumentLimits
{
    public const int MaxCharacters = 4 * 1024 * 1024;

    public static bool IsTooLarge(string text) => text.Length > MaxCharacters;

    /// <summary>What the analysis of a document over the limit is: claimed or not by its marks alone, never parsed.</summary>
    public static ConfigAnalysis TooLargeAnalysis(string text, AnalysisOptions options)
    {
        var empty = ConfigParser.Parse("", options.Format);
        // Only the marks (forced dialect, modeline, glob, file name) can claim it: the content is not read.
        var marks = new DocumentContext("", empty, options.Binding.DocumentPath, Modeline.Parse(text));
        var match = DialectRegistry.Default.Detect(marks, options.Dialect, options.DialectAssociations);
        if (match is null)
            return new ConfigAnalysis(empty, null, null, null, []);
        var firstLine = text.AsSpan(0, Math.Min(text.Length, 1000)).IndexOfAny('\r', '\n') is var end and >= 0 ? end : Math.Min(text.Length, 1000);
        var tooLarge = Diagnostic.Error(DiagnosticCodes.DocumentTooLarge,
            $"This document has {text.Length:N0} characters, more than the {MaxCharacters:N0} (4 MiB) the language server analyses; "
            + "a fine-tuning config is a few KB. Nothing else in it is checked until it is shorter.",
            new TextRange(new TextPosition(0, 0), new TextPosition(0, firstLine)));
        return new ConfigAnalysis(empty, match, null, null, [tooLarge]);
    }
}
