using System.Text;

namespace LspFineTune.Trainer.Files;

/// <summary>One line of a text file: its text, or why it has none (too long, not UTF-8). Numbers start at 1.</summary>
public readonly record struct TextLine(long Number, string? Text, string? Problem);

/// <summary>
/// Splits a stream into lines without ever holding more than one line of at most <c>maxLineBytes</c>: a longer line
/// (a huge one-line file, a binary file) is skipped to its end and reported as a problem, as is a line that is not
/// valid UTF-8 (a lone surrogate encoded as bytes, a Latin-1 file). Line ends are \n or \r\n; a byte-order mark at
/// the start is dropped.
/// </summary>
public static class TextLines
{
    private const int ReadBytes = 64 * 1024;

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    public static IEnumerable<TextLine> Read(Stream stream, int maxLineBytes)
    {
        var chunk = new byte[ReadBytes];
        var line = new byte[Math.Min(maxLineBytes, ReadBytes)];
        var length = 0;
        var tooLong = false;
        long number = 1;
        var atStart = true;
        int read;
        while ((read = stream.Read(chunk, 0, chunk.Length)) > 0)
        {
            var start = 0;
            if (atStart)
            {
                atStart = false;
                if (chunk.AsSpan(0, read).StartsWith(TrainerFiles.Utf8Bom))
                    start = TrainerFiles.Utf8Bom.Length;
            }
            while (start < read)
            {
                var newline = Array.IndexOf(chunk, (byte)'\n', start, read - start);
                var end = newline < 0 ? read : newline;
                if (!tooLong)
                {
                    var count = end - start;
                    if (length + count > maxLineBytes)
                    {
                        tooLong = true; // drop what was kept: the line is reported, never held
                        length = 0;
                    }
                    else
                    {
                        if (length + count > line.Length)
                            Array.Resize(ref line, (int)Math.Min(maxLineBytes, Math.Max(line.Length * 2L, length + count)));
                        Array.Copy(chunk, start, line, length, count);
                        length += count;
                    }
                }
                if (newline < 0)
                    break;
                yield return Finish(number++, line, length, tooLong, maxLineBytes);
                length = 0;
                tooLong = false;
                start = newline + 1;
            }
        }
        if (length > 0 || tooLong)
            yield return Finish(number, line, length, tooLong, maxLineBytes);
    }

    private static TextLine Finish(long number, byte[] line, int length, bool tooLong, int maxLineBytes)
    {
        if (tooLong)
            return new TextLine(number, null, $"longer than {TrainerFiles.Size(maxLineBytes)}, lft-train's limit for one line; split it into shorter examples");
        if (length > 0 && line[length - 1] == '\r')
            length--;
        try
        {
            return new TextLine(number, StrictUtf8.GetString(line, 0, length), null);
        }
        catch (DecoderFallbackException ex)
        {
            var where = ex.Index >= 0 ? $" at byte {ex.Index + 1} of the line" : "";
            return new TextLine(number, null, $"not valid UTF-8{where}; save the file as UTF-8");
        }
    }
}
