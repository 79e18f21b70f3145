using LspFineTune.Core.Syntax;

namespace LspFineTune.Core.Planning;

/// <summary>
/// Typed, lenient reads of config values: a missing key or a value of the wrong type yields the default
/// (the schema validator has already reported the wrong type, so binding does not report it again).
/// </summary>
internal static class SyntaxReader
{
    public static MappingNode? Section(MappingNode? parent, string key) => parent?.Find(key)?.Value as MappingNode;

    public static ScalarNode? Scalar(MappingNode? section, string key) => section?.Find(key)?.Value as ScalarNode;

    /// <summary>An integer key; one beyond the range of int saturates at its end rather than falling back to the
    /// default, so a micro-batch of 2^63 is estimated as the largest one instead of as one sequence.</summary>
    public static int Int(MappingNode? section, string key, int fallback)
    {
        var value = Scalar(section, key)?.AsInteger();
        return value is { } v ? (int)Math.Clamp(v, int.MinValue, int.MaxValue) : fallback;
    }

    public static long? NullableLong(MappingNode? section, string key) => Scalar(section, key)?.AsInteger();

    public static double Double(MappingNode? section, string key, double fallback) =>
        Scalar(section, key)?.AsNumber() is { } value && double.IsFinite(value) ? value : fallback;

    public static double? NullableDouble(MappingNode? section, string key) =>
        Scalar(section, key)?.AsNumber() is { } value && double.IsFinite(value) ? value : null;

    public static bool Bool(MappingNode? section, string key, bool fallback) => Scalar(section, key)?.AsBoolean() ?? fallback;

    public static string? String(MappingNode? section, string key) =>
        Scalar(section, key) is { Kind: not ScalarKind.Null } scalar && scalar.Value.Length > 0 ? scalar.Value : null;

    public static TEnum Enum<TEnum>(MappingNode? section, string key, TEnum fallback) where TEnum : struct, System.Enum =>
        String(section, key) is { } text ? PlanEnumNames.FromConfigName<TEnum>(text) ?? fallback : fallback;

    public static OffloadTarget Offload(MappingNode? section, string key) => Enum(section, key, OffloadTarget.None);
}
