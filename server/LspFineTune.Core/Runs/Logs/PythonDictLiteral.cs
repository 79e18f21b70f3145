using System.Globalization;

namespace LspFineTune.Core.Runs.Logs;

/// <summary>
/// Reads the <c>str(dict)</c> a Python logger prints: <c>{'loss': 1.8123, 'learning_rate': '1.998e-05', 'epoch': 0.04}</c>.
/// Keys are quoted strings; values are numbers (<c>nan</c>, <c>inf</c>, numpy 2's <c>np.float64(0.5)</c>), quoted strings,
/// <c>True</c>/<c>False</c>/<c>None</c>; a nested list or dict is skipped. Anything else is not such a line.
/// </summary>
public static class PythonDictLiteral
{
    /// <summary>The entries: a double for a number, a string for a string, a bool, or null (None, or a skipped list).</summary>
    public static IReadOnlyDictionary<string, object?>? Parse(string text)
    {
        var reader = new Reader(text.Trim());
        try
        {
            return reader.ReadDict();
        }
        catch (FormatException)
        {
            return null;
        }
    }

    /// <summary>A value as a number: a number, or a string that holds one (transformers 5 prints floats as <c>'1.2e-05'</c>).</summary>
    public static double? Number(object? value) => value switch
    {
        double d => d,
        string s when double.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) => parsed,
        string s => SpecialFloat(s),
        _ => null,
    };

    private static double? SpecialFloat(string word) => word switch
    {
        "nan" => double.NaN,
        "inf" => double.PositiveInfinity,
        "-inf" => double.NegativeInfinity,
        _ => null,
    };

    private sealed class Reader(string text)
    {
        private int _at;

        public Dictionary<string, object?> ReadDict()
        {
            Expect('{');
            var entries = new Dictionary<string, object?>(StringComparer.Ordinal);
            Skip();
            if (Peek() == '}')
            {
                _at++;
                return End(entries);
            }
            while (true)
            {
                Skip();
                var key = ReadString();
                Skip();
                Expect(':');
                Skip();
                entries[key] = ReadValue();
                Skip();
                var next = Next();
                if (next == '}')
                    return End(entries);
                if (next != ',')
                    throw new FormatException();
            }
        }

        private Dictionary<string, object?> End(Dictionary<string, object?> entries)
        {
            Skip();
            return _at == text.Length ? entries : throw new FormatException();
        }

        private object? ReadValue()
        {
            var c = Peek();
            if (c is '\'' or '"')
                return ReadString();
            if (c is '[' or '(' or '{')
            {
                SkipNested();
                return null;
            }
            var start = _at;
            while (_at < text.Length && (char.IsAsciiLetterOrDigit(text[_at]) || text[_at] is '.' or '-' or '+' or '_'))
                _at++;
            var word = text[start.._at];
            // numpy 2 scalars print as np.float64(0.5), torch scalars as tensor(0.5): the number inside.
            if (Peek() == '(' && word is "np.float64" or "np.float32" or "np.float16" or "np.int64" or "tensor")
            {
                _at++;
                var inner = ReadValue();
                Skip();
                Expect(')');
                return inner;
            }
            return word switch
            {
                "True" => true,
                "False" => false,
                "None" => null,
                _ when double.TryParse(word, NumberStyles.Float, CultureInfo.InvariantCulture, out var number) => number,
                _ when SpecialFloat(word) is { } special => special,
                _ => throw new FormatException(),
            };
        }

        private string ReadString()
        {
            var quote = Next();
            if (quote is not ('\'' or '"'))
                throw new FormatException();
            var value = new System.Text.StringBuilder();
            while (true)
            {
                var c = Next();
                if (c == quote)
                    return value.ToString();
                if (c == '\\')
                    c = Next();
                value.Append(c);
            }
        }

        private void SkipNested()
        {
            var depth = 0;
            do
            {
                var c = Next();
                if (c is '\'' or '"')
                {
                    _at--;
                    ReadString();
                }
                else if (c is '[' or '(' or '{')
                    depth++;
                else if (c is ']' or ')' or '}')
                    depth--;
            }
            while (depth > 0);
        }

        private void Skip()
        {
            while (_at < text.Length && text[_at] == ' ')
                _at++;
        }

        private char Peek() => _at < text.Length ? text[_at] : '\0';

        private char Next() => _at < text.Length ? text[_at++] : throw new FormatException();

        private void Expect(char c)
        {
            if (Next() != c)
                throw new FormatException();
        }
    }
}
