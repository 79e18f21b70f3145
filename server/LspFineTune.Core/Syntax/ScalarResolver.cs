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

    [GeneratedRegex(@"^([-+]?[0-9]+(_[0-9]+)*|0o[0-7]+|0x[0-9a-fA-F]+)$")]
    private static partial Regex IntegerPattern();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")]
    private static partial Regex FloatPattern();
}
