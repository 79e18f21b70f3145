using System.Globalization;
using System.Text;

namespace LspFineTune.Server.Hosting;

/// <summary>
/// The header part of one LSP frame (base protocol: <c>name: value</c> fields, each ending in \r\n, then an empty
/// line). Names are case-insensitive, as in HTTP, whose header format LSP reuses; Content-Length is required;
/// Content-Type may say <c>charset=utf-8</c> (or the legacy <c>utf8</c>) and nothing else, since LSP messages are
/// UTF-8; other fields are ignored. <see cref="Error"/> says what is wrong; when <see cref="ContentLength"/> is
/// still known the body can be skipped exactly, otherwise where the next frame starts is unknown.
/// <see cref="NamesContentLength"/>: a Content-Length field was there (if unusable), so this was a real header.
/// </summary>
public sealed record FrameHeader(long? ContentLength, string? Error, bool NamesContentLength)
{
    public static FrameHeader Parse(ReadOnlySpan<byte> header)
    {
        long? length = null;
        string? error = null;
        string? lengthError = null;
        var namesContentLength = false;
        foreach (var rawLine in Encoding.Latin1.GetString(header).Split('\n'))
        {
            var line = rawLine.TrimEnd('\r');
            if (line.Length == 0)
                continue;
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon < 0)
            {
                error ??= $"a header line without a colon: \"{Shown(line)}\"";
                continue;
            }
            var name = line[..colon].Trim();
            var value = line[(colon + 1)..].Trim();
            if (name.Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
            {
                namesContentLength = true;
                if (value.Length == 0 || !value.All(char.IsAsciiDigit))
                    lengthError ??= $"Content-Length \"{Shown(value)}\" is not a whole number of bytes";
                else if (ParseLength(value) is not { } parsed)
                    lengthError ??= $"Content-Length {Shown(value)} is larger than any message";
                else if (length is { } earlier && earlier != parsed)
                    lengthError ??= $"two different Content-Length values ({earlier} and {parsed})";
                else
                    length = parsed;
            }
            else if (name.Equals("Content-Type", StringComparison.OrdinalIgnoreCase) && Charset(value) is { } charset && !IsUtf8(charset))
            {
                error ??= $"charset \"{Shown(charset)}\" is not supported: LSP messages are UTF-8";
            }
        }
        if (lengthError is not null)
            return new FrameHeader(null, lengthError, namesContentLength);
        if (length is null)
            return new FrameHeader(null, error ?? "no Content-Length header", namesContentLength);
        return new FrameHeader(length, error, namesContentLength);
    }

    /// <summary>Decimal digits (checked by the caller) up to a size no stream could reach; null beyond.</summary>
    private static long? ParseLength(string digits) =>
        digits.TrimStart('0') is var significant && significant.Length <= 18 ? long.Parse("0" + significant, CultureInfo.InvariantCulture) : null;

    private static string? Charset(string contentType)
    {
        foreach (var parameter in contentType.Split(';').Skip(1))
        {
            var equals = parameter.IndexOf('=', StringComparison.Ordinal);
            if (equals > 0 && parameter[..equals].Trim().Equals("charset", StringComparison.OrdinalIgnoreCase))
                return parameter[(equals + 1)..].Trim().Trim('"');
        }
        return null;
    }

    private static bool IsUtf8(string charset) =>
        charset.Equals("utf-8", StringComparison.OrdinalIgnoreCase) || charset.Equals("utf8", StringComparison.OrdinalIgnoreCase);

    /// <summary>Header text for a log line: control characters escaped, long values cut.</summary>
    private static string Shown(string text)
    {
        var shown = string.Concat(text.Take(80).Select(c => char.IsControl(c) ? $"\\x{(int)c:x2}" : c.ToString()));
        return text.Length > 80 ? shown + "…" : shown;
    }
}
