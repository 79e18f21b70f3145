using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace LspFineTune.Core.Export;

/// <summary>
/// A small block-YAML writer for exported configs: comments, <c>key: value</c> lines, nested sections and lists, in
/// the order written. Scalars are plain where YAML reads them back as the same string, double-quoted otherwise.
/// </summary>
public sealed partial class YamlDocument
{
    private readonly StringBuilder _text = new();
    private int _indent;

    public YamlDocument Comment(string line)
    {
        _text.Append(' ', _indent).Append("# ").Append(line).Append('\n');
        return this;
    }

    /// <summary>A key with a scalar value; a null value writes nothing (the target's default applies).</summary>
    public YamlDocument Key(string key, object? value)
    {
        if (value is not null)
            _text.Append(' ', _indent).Append(key).Append(": ").Append(Scalar(value)).Append('\n');
        return this;
    }

    public YamlDocument List(string key, IEnumerable<string> items)
    {
        _text.Append(' ', _indent).Append(key).Append(":\n");
        foreach (var item in items)
            _text.Append(' ', _indent + 2).Append("- ").Append(Scalar(item)).Append('\n');
        return this;
    }

    /// <summary>A nested mapping under <paramref name="key"/>; <paramref name="asListItem"/> writes it as one item of a
    /// list under the key (axolotl's <c>datasets: - path: ...</c>).</summary>
    public YamlDocument Section(string key, Action<YamlDocument> body, bool asListItem = false)
    {
        var keyStart = _text.Length;
        _text.Append(' ', _indent).Append(key).Append(":\n");
        var start = _text.Length;
        _indent += asListItem ? 4 : 2;
        body(this);
        _indent -= asListItem ? 4 : 2;
        // A section with nothing in it is left out: an empty key would read as null, not as an empty mapping.
        if (_text.Length == start)
            _text.Length = keyStart;
        else if (asListItem)
        {
            // The first line of the item carries the dash: "  - path: ..." instead of "    path: ...".
            _text[start + _indent + 2] = '-';
        }
        return this;
    }

    public override string ToString() => _text.ToString();

    public static string Scalar(object value) => value switch
    {
        bool b => b ? "true" : "false",
        int or long => Convert.ToString(value, CultureInfo.InvariantCulture)!,
        double d => Number(d),
        string s => Plain(s) ? s : "\"" + s.Replace("\\", "\\\\", StringComparison.Ordinal).Replace("\"", "\\\"", StringComparison.Ordinal) + "\"",
        _ => throw new ArgumentException($"no YAML scalar for {value.GetType().Name}", nameof(value)),
    };

    /// <summary>A float YAML reads back as a float: "2e-05", "0.1", "3.0" (a whole number keeps its ".0").</summary>
    private static string Number(double value)
    {
        var text = value.ToString("R", CultureInfo.InvariantCulture).Replace("E", "e", StringComparison.Ordinal);
        return text.Contains('.') || text.Contains('e') || !double.IsFinite(value) ? text : text + ".0";
    }

    /// <summary>Plain when it starts with a letter, digit, dot or slash, holds no ": ", " #" or flow characters, and is not
    /// a word YAML reads as something else (true, null, 1e5, 0x1F).</summary>
    private static bool Plain(string text) =>
        SafePlain().IsMatch(text) && !ReadsAsOtherType().IsMatch(text);

    [GeneratedRegex(@"^[A-Za-z0-9_./][A-Za-z0-9_./@+=-]*$")]
    private static partial Regex SafePlain();

    [GeneratedRegex(@"^(?:true|false|yes|no|on|off|null|~|[-+]?(?:\.[0-9]+|[0-9][0-9_]*(?:\.[0-9_]*)?)(?:[eE][-+]?[0-9]+)?|0x[0-9a-fA-F]+|0o[0-7]+|\.(?:inf|nan))$", RegexOptions.IgnoreCase)]
    private static partial Regex ReadsAsOtherType();
}
