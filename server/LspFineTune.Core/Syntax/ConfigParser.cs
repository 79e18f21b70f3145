using LspFineTune.Core.Diagnostics;
using LspFineTune.Core.Text;

namespace LspFineTune.Core.Syntax;

/// <summary>
/// Parses a config (YAML, or JSON, which is YAML's flow syntax) into a <see cref="ConfigSyntaxTree"/> with exact
/// ranges. Never throws: every problem becomes a diagnostic, and what parsed before an error is kept.
/// </summary>
public static class ConfigParser
{
    public static ConfigSyntaxTree Parse(string text, DocumentFormat? format = null)
    {
        ArgumentNullException.ThrowIfNull(text);
        var documentFormat = format ?? DetectFormat(text);

        var binaryAt = BinaryContentDetector.FindBinaryEvidence(text);
        if (binaryAt >= 0)
        {
            var lines = new LineMap(text);
            return new ConfigSyntaxTree(text, documentFormat, null,
            [
                Diagnostic.Error(DiagnosticCodes.BinaryContent,
                    "This file is not text (it holds NUL or control characters), so it cannot be a YAML or JSON config. "
                    + "Open the config's text file, or save it as UTF-8.",
                    lines.RangeOf(binaryAt, binaryAt + 1)),
            ]);
        }
        return ParseText(text, documentFormat);
    }

    /// <summary>JSON when the first non-blank character opens an object or array, else YAML.</summary>
    public static DocumentFormat DetectFormat(string text)
    {
        foreach (var c in text)
        {
            if (char.IsWhiteSpace(c) || c == '\uFEFF')
                continue;
            return c is '{' or '[' ? DocumentFormat.Json : DocumentFormat.Yaml;
        }
        return DocumentFormat.Yaml;
    }

    private static ConfigSyntaxTree ParseText(string text, DocumentFormat format)
    {
        var lines = new LineMap(text);
        // YamlDotNet would read a byte order mark as part of the first key; a space keeps every offset in place.
        var parseText = text.Length > 0 && text[0] == '\uFEFF' ? " " + text[1..] : text;
        var cutAt = FlowDepthScanner.FindTooDeep(parseText, SyntaxTreeBuilder.MaxDepth);
        if (cutAt >= 0)
            parseText = parseText[..cutAt];

        var (root, diagnostics) = new SyntaxTreeBuilder(text, lines).Build(parseText, cutAt);

        if (root is null or ScalarNode { IsNull: true, Value.Length: 0 } && diagnostics.Count == 0)
        {
            diagnostics.Add(Diagnostic.Error(DiagnosticCodes.EmptyDocument,
                "The document is empty: a config needs at least a `model:` section.", TextRange.At(0, 0)));
            root = null;
        }
        else if (root is not null and not MappingNode)
        {
            diagnostics.Add(Diagnostic.Error(DiagnosticCodes.NotAMapping,
                $"A config must be a mapping of keys such as `model:` and `training:`, but this document is {Describe(root)}.",
                FirstLineOf(root, text, lines)));
        }
        return new ConfigSyntaxTree(text, format, root, diagnostics);
    }

    private static string Describe(SyntaxNode node) => node switch
    {
        SequenceNode => "a list",
        ScalarNode { Kind: ScalarKind.String } => "a single text value",
        ScalarNode => "a single value",
        _ => "not a mapping",
    };

    /// <summary>The root's first line: underlining a whole document would hide every other diagnostic.</summary>
    private static TextRange FirstLineOf(SyntaxNode node, string text, LineMap lines)
    {
        var start = node.Range.Start;
        if (node.Range.End.Line == start.Line)
            return node.Range;
        var lineEnd = lines.LineContentEnd(start.Line, text) - lines.LineStart(start.Line);
        return new TextRange(start, new TextPosition(start.Line, Math.Max(start.Character, lineEnd)));
    }
}
