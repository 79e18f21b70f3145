using LspFineTune.Core.Text;

namespace LspFineTune.Core.Syntax;

/// <summary>
/// Converts character offsets to LSP positions (zero-based line, UTF-16 column).
/// YamlDotNet's own line/column marks also treat U+0085, U+2028 and U+2029 as line breaks, which LSP does not,
/// so positions are computed here from YamlDotNet's character index instead. Line breaks: \n, \r\n, \r.
/// </summary>
internal sealed class LineMap
{
    private readonly List<int> lineStarts = [0];
    private int lastLine; // offsets arrive mostly in increasing order; remembering the last line avoids most searches

    public LineMap(string text)
    {
        Length = text.Length;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
                i++;
            if (c is '\n' or '\r')
                lineStarts.Add(i + 1);
        }
    }

    public int Length { get; }

    public TextPosition PositionAt(long offset)
    {
        var clamped = (int)Math.Clamp(offset, 0, Length);
        var line = FindLine(clamped);
        return new TextPosition(line, clamped - lineStarts[line]);
    }

    public TextRange RangeOf(long start, long end) => new(PositionAt(start), PositionAt(Math.Max(start, end)));

    /// <summary>The offset of the end of a line's content (before its line break).</summary>
    public int LineContentEnd(int line, string text)
    {
        var end = line + 1 < lineStarts.Count ? lineStarts[line + 1] : Length;
        while (end > lineStarts[line] && text[end - 1] is '\n' or '\r')
            end--;
        return end;
    }

    public int LineStart(int line) => lineStarts[line];

    private int FindLine(int offset)
    {
        if (offset >= lineStarts[lastLine] && (lastLine + 1 == lineStarts.Count || offset < lineStarts[lastLine + 1]))
            return lastLine;
        var index = lineStarts.BinarySearch(offset);
        lastLine = index >= 0 ? index : ~index - 1;
        return lastLine;
    }
}
