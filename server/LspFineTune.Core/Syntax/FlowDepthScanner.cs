namespace LspFineTune.Core.Syntax;

/// <summary>
/// Finds where flow collections (<c>[</c>, <c>{</c>) nest too deep, before YamlDotNet sees the text.
/// YamlDotNet does not recurse, but its scanner revisits every open flow level on each token, so 100,000 nested
/// brackets take tens of seconds. Cutting the text at the first bracket that is too deep keeps parsing linear.
/// </summary>
internal static class FlowDepthScanner
{
    /// <summary>The offset of the first bracket that opens level <paramref name="maxDepth"/> + 1, or -1.</summary>
    public static int FindTooDeep(string text, int maxDepth)
    {
        var depth = 0;
        var atTokenStart = true; // after a line break or an indicator, where a bracket or quote starts a new node
        var afterSpace = true;   // '#' starts a comment only after whitespace
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            switch (c)
            {
                case ' ' or '\t':
                    afterSpace = true;
                    continue;
                case '\n' or '\r':
                    atTokenStart = afterSpace = true;
                    continue;
                case '#' when afterSpace:
                    while (i + 1 < text.Length && text[i + 1] is not '\n' and not '\r')
                        i++;
                    continue;
                case '"' or '\'' when atTokenStart:
                    i = SkipQuoted(text, i);
                    atTokenStart = afterSpace = false;
                    continue;
                // Inside flow context every bracket is structural (plain scalars cannot hold them); in block context
                // only one at the start of a node opens a collection (`a: x[1` is text).
                case '[' or '{' when atTokenStart || depth > 0:
                    depth++;
                    if (depth > maxDepth)
                        return i;
                    atTokenStart = true;
                    afterSpace = false;
                    continue;
                case ']' or '}':
                    depth = Math.Max(0, depth - 1);
                    break;
            }
            atTokenStart = c is ',' or ':' or '-' or '?' or '[' or '{';
            afterSpace = false;
        }
        return -1;
    }

    /// <summary>The offset of the closing quote (or the end of the text when it is never closed).</summary>
    private static int SkipQuoted(string text, int open)
    {
        var quote = text[open];
        for (var i = open + 1; i < text.Length; i++)
        {
            if (quote == '"' && text[i] == '\\')
                i++; // skip the escaped character
            else if (text[i] == quote)
            {
                if (quote == '\'' && i + 1 < text.Length && text[i + 1] == '\'')
                    i++; // '' is an escaped quote inside single quotes
                else
                    return i;
            }
        }
        return text.Length;
    }
}
