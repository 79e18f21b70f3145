using System.Text;

namespace LspFineTune.Core.Files;

/// <summary>
/// Reads lines with a cap on each: <see cref="TextReader.ReadLine"/> builds a whole line in memory, so one file of a
/// single 10 GB line (or /dev/zero behind a symbolic link swapped in) would take all of it. A line past the cap is
/// returned cut, with its full length counted, so a caller can still count it without holding it.
/// </summary>
public sealed class BoundedLineReader(TextReader reader, int maxLineCharacters)
{
    private readonly char[] _buffer = new char[8192];
    private int _position;
    private int _filled;

    /// <summary>Whether the last line read ended with a newline (false for a last line the text cuts off).</summary>
    public bool LastLineEnded { get; private set; }

    /// <summary>The next line (without its end), or null at the end of the text.</summary>
    /// <param name="length">The line's full length in characters, also when <paramref name="cut"/>.</param>
    /// <param name="cut">Whether the text returned is only the first <c>maxLineCharacters</c> of the line.</param>
    public string? ReadLine(out long length, out bool cut)
    {
        length = 0;
        cut = false;
        var line = new StringBuilder();
        var any = false;
        var last = '\0';
        while (true)
        {
            if (_position == _filled)
            {
                _filled = reader.Read(_buffer, 0, _buffer.Length);
                _position = 0;
                if (_filled == 0)
                {
                    LastLineEnded = false;
                    return any ? Finish(line, last, ref length) : null;
                }
            }
            any = true;
            var newline = Array.IndexOf(_buffer, '\n', _position, _filled - _position);
            var end = newline < 0 ? _filled : newline;
            var count = end - _position;
            length += count;
            var room = maxLineCharacters - line.Length;
            if (count > room)
                cut = true;
            line.Append(_buffer, _position, Math.Min(count, Math.Max(0, room)));
            if (count > 0)
                last = _buffer[end - 1];
            _position = newline < 0 ? _filled : newline + 1;
            if (newline >= 0)
            {
                LastLineEnded = true;
                return Finish(line, last, ref length);
            }
        }
    }

    /// <summary>Drops a Windows line end's carriage return, also from the length of a cut line.</summary>
    private static string Finish(StringBuilder line, char last, ref long length)
    {
        if (last == '\r')
        {
            length--;
            if (line.Length == length + 1)
                line.Length--;
        }
        return line.ToString();
    }
}
