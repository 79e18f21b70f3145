using System.Globalization;
using System.Text.RegularExpressions;

namespace LspFineTune.Core.Syntax;

/// <summary>
/// Resolves plain YAML scalars to types with the YAML 1.2 core schema (https://yaml.org/spec/1.2.2/#1032-tag-resolution),
/// which is also what JSON literals mean, plus YAML 1.1's digit separators (<c>500_000</c>), which PyYAML, the loader
/// of axolotl, LLaMA-Factory and TRL, reads as integers. Quoted scalars are strings and never pass through here.
/// </summary>
public static partial class ScalarResolver
{
    public static ScalarKind Resolve(string plain)
    {
        if (plain.Length == 0 || plain is "~" or "null" or "Null" or "NULL")
            return ScalarKind.Null;
        if (plain is "true" or "True" or "TRUE" or "false" or "False" or "FALSE")
            return ScalarKind.Boolean;
        if (IntegerPattern().IsMatch(plain))
            return ScalarKind.Integer;
        if (FloatPattern().IsMatch(plain) || plain is ".inf" or "-.inf" or "+.inf" or ".Inf" or ".INF" or ".nan" or ".NaN" or ".NAN")
            return ScalarKind.Float;
        return ScalarKind.String;
    }

    public static bool? ParseBoolean(string text) => text.ToLowerInvariant() switch
    {
        "true" => true,
        "false" => false,
        _ => null,
    };

    public static long? ParseInteger(string text)
    {
        if (text.StartsWith("0x", StringComparison.Ordinal))
            return long.TryParse(text.AsSpan(2), NumberStyles.HexNumber, CultureInfo.InvariantCulture, out var hex) ? hex : null;
        if (text.StartsWith("0o", StringComparison.Ordinal))
        {
            try { return Convert.ToInt64(text[2..], 8); }
            catch (Exception e) when (e is FormatException or OverflowException) { return null; }
        }
        return long.TryParse(text.Replace("_", ""), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var value) ? value : null;
    }

    public static double? ParseFloat(string text) => text.ToLowerInvariant() switch
    {
        ".inf" or "+.inf" => double.PositiveInfinity,
        "-.inf" => double.NegativeInfinity,
        ".nan" => double.NaN,
        _ => double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : null,
    };

    /// <summary>
    /// Why a number as written cannot be held as the number it says, or null when it can: an integer beyond 64 bits
    /// (Python's int would take it, but every count it feeds, from torch's sizes to NumPy's seeds, is at most 64-bit),
    /// a float literal beyond IEEE 754 double range (Python reads <c>1e400</c> as <c>inf</c>, the same as writing
    /// <c>.inf</c>), or a nonzero one below it, which reads as 0. <c>.inf</c> and <c>.nan</c> written as such are values.
    /// </summary>
    public static NumberRangeProblem? RangeProblem(string plain, ScalarKind kind)
    {
        if (kind == ScalarKind.Integer && ParseInteger(plain) is null)
            return new($"`{Shorten(plain)}` is beyond the range of a 64-bit integer (at most {long.MaxValue:N0}), which every count and size a framework reads fits in; write a smaller number.", IsError: true);
        if (kind != ScalarKind.Float || plain.Contains("inf", StringComparison.OrdinalIgnoreCase) || plain.Contains("nan", StringComparison.OrdinalIgnoreCase))
            return null;
        var value = ParseFloat(plain);
        if (value is { } overflow && double.IsInfinity(overflow))
            return new($"`{Shorten(plain)}` is beyond the range of a 64-bit float (about ±1.8e308) and reads as infinity; write a smaller number, or `.inf` if infinity is meant.", IsError: true);
        if (value == 0 && plain.IndexOfAny(['1', '2', '3', '4', '5', '6', '7', '8', '9']) is var digit && digit >= 0 && digit < MantissaEnd(plain))
            return new($"`{Shorten(plain)}` is smaller than the smallest 64-bit float (about 4.9e-324) and reads as 0; write 0 if that is meant.", IsError: false);
        return null;
    }

    private static int MantissaEnd(string plain) => plain.IndexOfAny(['e', 'E']) is >= 0 and var e ? e : plain.Length;

    private static string Shorten(string text) => text.Length <= 40 ? text : text[..37] + "...";

    [GeneratedRegex(@"^([-+]?[0-9]+(_[0-9]+)*|0o[0-7]+|0x[0-9a-fA-F]+)$")]
    private static partial Regex IntegerPattern();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")]
    private static partial Regex FloatPattern();
}

/// <summary>A number literal that cannot be held as written, in words; an error unless it merely rounds to 0.</summary>
public sealed record NumberRangeProblem(string Message, bool IsError);
