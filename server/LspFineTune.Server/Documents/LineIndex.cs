using LspFineTune.Server.Protocol;

namespace LspFineTune.Server.Documents;

/// <summary>
/// Start offsets of each line of a text, to turn LSP positions (line, UTF-16 character) into string offsets.
/// Lines end at \n, \r\n or \r, as LSP defines. Positions past a line's end or past the last line are clamped,
/// as the specification asks, so a confused client never makes the server fail.
/// </summary>
public sealed class LineIndex
{
    private readonly string _text;
    private readonly List<int> _lineStarts = [0];

    public LineIndex(string text)
    {
        _text = text;
        for (var i = 0; i < text.Length; i++)
        {
            var c = text[i];
            if (c == '\r' && i + 1 < text.Length && text[i + 1] == '\n')
                i++;
            if (c is '\n' or '\r')
                _lineStarts.Add(i + 1);
        }
    }

    public int LineCount => _lineStarts.Count;

    public int OffsetOf(Position position)
    {
        if (position.Line < 0)
            return 0;
        if (position.Line >= _lineStarts.Count)
            return _text.Length;
        var start = _lineStarts[position.Line];
        var character = Math.Clamp(position.Character, 0, LineLength(position.Line));
        return start + character;
    }

    /// <summary>Length of a line without its terminator.</summary>
    public int LineLength(int line)
    {
        var start = _lineStarts[line];
        var end = line + 1 < _lineStarts.Count ? _lineStarts[line + 1] : _text.Length;
        while (end > start && _text[end - 1] is '\n' or '\r')
            end--;
        return end - start;
    }

    /// <summary>The text of a line without its terminator; empty past the end.</summary>
    public string LineText(int line) =>
        line < 0 || line >= _lineStarts.Count ? "" : _text.Substring(_lineStarts[line], LineLength(line));

    /// <summary>The same position clamped into the document.</summary>
    public Position Clamp(Position position)
    {
        if (position.Line < 0)
            return new Position(0, 0);
        if (position.Line >= _lineStarts.Count)
            return new Position(_lineStarts.Count - 1, LineLength(_lineStarts.Count - 1));
        return new Position(position.Line, Math.Clamp(position.Character, 0, LineLength(position.Line)));
    }
}
