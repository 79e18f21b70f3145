using YamlDotNet.Core;

namespace LspFineTune.Core.Syntax;

/// <summary>Where a syntax error is and what to tell the user, as character offsets into the document.</summary>
internal readonly record struct SyntaxErrorReport(string Message, long Start, long End, long? RelatedOffset = null, string? RelatedMessage = null);

/// <summary>
/// Turns YamlDotNet's parser messages ("While parsing a block mapping, did not find expected key.") into messages
/// that say what is wrong and what to do, keeping YamlDotNet's position except where it is known to be off.
/// </summary>
internal static class SyntaxErrorDescriber
{
    /// <param name="openFlowStart">Offset of the innermost unclosed '[' or '{', if any; it explains "expected ']'".</param>
    public static SyntaxErrorReport Describe(YamlException exception, string text, LineMap lines, long? openFlowStart)
    {
        var message = exception.Message;
        var start = exception.Start.Index;
        var end = exception.End.Index;

        if (message.Contains(" tab ", StringComparison.Ordinal))
        {
            // YamlDotNet sometimes reports tabs at the start of the mapping; point at the tab itself.
            var tab = FindIndentationTab(text, Math.Min(start, end));
            return new("Syntax error: tabs are not allowed for indentation in YAML; use spaces.", tab, tab + 1);
        }
        if (message.Contains("did not find expected ',' or ']'", StringComparison.Ordinal))
            return Unclosed("list", ']', start, end, lines, openFlowStart);
        if (message.Contains("did not find expected ',' or '}'", StringComparison.Ordinal))
            return Unclosed("mapping", '}', start, end, lines, openFlowStart);
        if (message.Contains("multiline plain scalar, found invalid mapping", StringComparison.Ordinal))
            return new("Syntax error: a mapping key must be followed by ':'. A line above has no ':', so this line is read as the rest of its text; "
                + "add the missing ':' or check the indentation.", start, end);
        if (message.Contains("found invalid mapping", StringComparison.Ordinal) || message.Contains("mapping values are not allowed", StringComparison.Ordinal))
            return new("Syntax error: ':' is not allowed here because the text before it is already a value. Put a nested key on its own, "
                + "more indented line below a key without a value, or quote a value that contains ': '.", start, end);
        if (message.Contains("did not find expected key", StringComparison.Ordinal))
            return new("Syntax error: expected a key (`name: value`) here; check the indentation: the keys of one mapping must start in the same column.", start, end);
        if (message.Contains("could not find expected ':'", StringComparison.Ordinal))
            return new("Syntax error: a mapping key must be followed by ':'; check the indentation.", start, end);
        if (message.Contains("did not find expected '-' indicator", StringComparison.Ordinal))
            return new("Syntax error: expected a list item ('- ') here: a key cannot follow list items at the same indentation. Check the indentation.", start, end);
        if (message.Contains("block sequence entries are not allowed", StringComparison.Ordinal))
            return new("Syntax error: a list item ('- ') is not allowed here; start the list on a new, indented line below its key.", start, end);
        if (message.Contains("end of stream", StringComparison.Ordinal) && message.Contains("quoted", StringComparison.Ordinal))
            return new("Syntax error: this quoted string is never closed; add the closing quote.", start, start + 1);
        if (message.Contains("quoted scalar, found wrong indentation", StringComparison.Ordinal))
            return new("Syntax error: this quoted string is not closed on its line; add the closing quote, or indent its continuation lines.", start, start + 1);
        if (message.Contains("unknown escape character", StringComparison.Ordinal))
            return new(@"Syntax error: unknown escape sequence in a double-quoted string; write '\\' for a backslash, or use single quotes.", end, end + 2);
        if (message.Contains("cannot start any token", StringComparison.Ordinal))
        {
            var character = end < text.Length ? text[(int)end].ToString() : "this character";
            return new($"Syntax error: '{character}' cannot start a value; put the value in quotes.", end, end + 1);
        }
        if (message.Contains("did not find expected node content", StringComparison.Ordinal))
            return new("Syntax error: expected a value here.", start, end);
        if (message.Contains("<document start>", StringComparison.Ordinal) || message.Contains("<document end>", StringComparison.Ordinal))
            return new("Syntax error: unexpected text after the end of the config; check the indentation and the closing brackets, or remove it.", start, end);
        if (message.Contains("directive", StringComparison.Ordinal))
            return new("Syntax error: YAML directives ('%...') are not supported in a config; remove the line.", start, end);
        return new("Syntax error: " + Simplify(message), start, end);
    }

    /// <summary>For failures YamlDotNet reports without a position (it throws InvalidOperationException on some unclosed brackets).</summary>
    public static SyntaxErrorReport DescribeUnexpected(long lastOffset, string text, long? openFlowStart)
    {
        if (openFlowStart is { } open)
        {
            var bracket = text[(int)open];
            var closing = bracket == '[' ? ']' : '}';
            return new($"Syntax error: this '{bracket}' is never closed; add the matching '{closing}'.", open, open + 1);
        }
        return new("Syntax error: the document cannot be read past this point; check the indentation and quoting here.", lastOffset, lastOffset + 1);
    }

    private static SyntaxErrorReport Unclosed(string what, char closing, long start, long end, LineMap lines, long? openFlowStart)
    {
        if (openFlowStart is not { } open)
            return new($"Syntax error: expected ',' or '{closing}' here.", start, end);
        var position = lines.PositionAt(open);
        return new($"Syntax error: expected ',' or '{closing}' here: the {what} opened at line {position.Line + 1}, column {position.Character + 1} is not closed, "
            + $"or two of its items have no ',' between them.", start, end, open, $"the {what} opens here");
    }

    /// <summary>The first tab in the indentation of a line at or after <paramref name="from"/>'s line.</summary>
    private static long FindIndentationTab(string text, long from)
    {
        var lineStart = (int)Math.Clamp(from, 0, text.Length);
        while (lineStart > 0 && text[lineStart - 1] is not '\n' and not '\r')
            lineStart--;
        var atIndentation = true;
        for (var i = lineStart; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\t' && atIndentation)
                return i;
            if (c is '\n' or '\r')
                atIndentation = true;
            else if (c is not ' ' and not '-' and not '?' and not ':')
                atIndentation = false;
        }
        var anyTab = text.IndexOf('\t', lineStart);
        return anyTab >= 0 ? anyTab : from;
    }

    /// <summary>"While parsing a node, did not find X." becomes "did not find X."</summary>
    private static string Simplify(string message)
    {
        var comma = message.IndexOf(", ", StringComparison.Ordinal);
        return message.StartsWith("While ", StringComparison.Ordinal) && comma > 0 ? message[(comma + 2)..] : message;
    }
}
