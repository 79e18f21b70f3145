using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace LspFineTune.Server.Hosting;

/// <summary>
/// Reads JSON strings the way an editor's text may arrive: a lone surrogate escape (<c>"\uD800"</c>, which a
/// JavaScript client writes for a string it holds) and invalid UTF-8 bytes become U+FFFD instead of failing the whole
/// message. A lone surrogate is one UTF-16 unit and so is U+FFFD, so every position the editor sends about that text
/// still points where it did. System.Text.Json refuses such strings, which dropped a didOpen without a word.
/// </summary>
public sealed class LenientStringConverter : JsonConverter<string>
{
    private static readonly Encoding Utf8WithReplacement = new UTF8Encoding(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: false);

    public override string Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options)
    {
        if (reader.TokenType != JsonTokenType.String)
            throw new JsonException();
        try
        {
            return reader.GetString()!;
        }
        catch (InvalidOperationException)
        {
            var raw = reader.HasValueSequence ? reader.ValueSequence.ToArray() : reader.ValueSpan.ToArray();
            return Decode(raw);
        }
    }

    // The writer already replaces lone surrogates with U+FFFD, so writing needs no care.
    public override void Write(Utf8JsonWriter writer, string value, JsonSerializerOptions options) => writer.WriteStringValue(value);

    /// <summary>The text of a string token's raw (still escaped) UTF-8 bytes, with U+FFFD for what cannot be decoded.</summary>
    public static string Decode(ReadOnlySpan<byte> raw)
    {
        var text = new StringBuilder(raw.Length);
        var literalStart = 0;
        var i = 0;
        while (i < raw.Length)
        {
            if (raw[i] != '\\')
            {
                i++;
                continue;
            }
            text.Append(Utf8WithReplacement.GetString(raw[literalStart..i]));
            i += AppendEscape(raw[i..], text);
            literalStart = i;
        }
        text.Append(Utf8WithReplacement.GetString(raw[literalStart..]));
        return text.ToString();
    }

    /// <summary>Appends the character(s) of the escape at the start of <paramref name="escape"/>; returns the bytes it took.</summary>
    private static int AppendEscape(ReadOnlySpan<byte> escape, StringBuilder text)
    {
        if (escape.Length < 2)
        {
            text.Append('\uFFFD');
            return escape.Length;
        }
        switch (escape[1])
        {
            case (byte)'u' when Hex(escape, 2) is { } unit:
                if (char.IsHighSurrogate(unit) && Hex(escape, 8) is { } low && escape[6] == '\\' && escape[7] == 'u' && char.IsLowSurrogate(low))
                {
                    text.Append(unit).Append(low);
                    return 12;
                }
                text.Append(char.IsSurrogate(unit) ? '\uFFFD' : unit);
                return 6;
            case (byte)'b': text.Append('\b'); return 2;
            case (byte)'f': text.Append('\f'); return 2;
            case (byte)'n': text.Append('\n'); return 2;
            case (byte)'r': text.Append('\r'); return 2;
            case (byte)'t': text.Append('\t'); return 2;
            case (byte)'"' or (byte)'\\' or (byte)'/': text.Append((char)escape[1]); return 2;
            default: text.Append('\uFFFD'); return 2;
        }
    }

    private static char? Hex(ReadOnlySpan<byte> escape, int at) =>
        escape.Length >= at + 4 && ushort.TryParse(Encoding.ASCII.GetString(escape.Slice(at, 4)), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture, out var unit)
            ? (char)unit
            : null;
}
