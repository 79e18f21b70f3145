using System.Text.Json;

namespace LspFineTune.Trainer.Data.Formats;

/// <summary>Reading named fields of a JSON record, with the problem phrased for the user when one is unusable.</summary>
internal static class RecordFields
{
    /// <summary>Whether the record has the field at all (null counts as absent, as datasets fills missing columns with None).</summary>
    public static bool Has(JsonElement record, string field) =>
        record.ValueKind == JsonValueKind.Object && record.TryGetProperty(field, out var value) && value.ValueKind != JsonValueKind.Null;

    /// <summary>The field's text; <paramref name="value"/> is "" when the field is absent or null.</summary>
    /// <returns>Why it is unusable: not a string, or not valid Unicode; null when fine.</returns>
    public static string? String(JsonElement record, string field, out string value)
    {
        value = "";
        if (!record.TryGetProperty(field, out var element) || element.ValueKind == JsonValueKind.Null)
            return null;
        if (element.ValueKind != JsonValueKind.String)
            return $"\"{field}\" must be a string";
        return Decode(element, field, out value);
    }

    /// <summary>
    /// A JSON string's value, or why it has none: an escape such as <c>"\ud800"</c> without its pair decodes to no
    /// Unicode text (System.Text.Json refuses it when the value is read, not when the line is parsed).
    /// </summary>
    public static string? Decode(JsonElement element, string field, out string value)
    {
        try
        {
            value = element.GetString()!;
            return null;
        }
        catch (InvalidOperationException)
        {
            value = "";
            return $"\"{field}\" is not valid Unicode text (a lone surrogate such as \\ud800 without its pair)";
        }
    }
}
