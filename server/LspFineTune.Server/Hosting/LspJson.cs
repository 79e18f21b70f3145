using System.Text.Json;
using System.Text.Json.Serialization;

namespace LspFineTune.Server.Hosting;

/// <summary>
/// LSP's JSON conventions: camelCase names, absent (not null) optional fields. Reading is strict about shape and
/// lenient about text: a constructor parameter without a default (a field LSP requires) must be present and a
/// non-nullable one must not be null, so a partial range is an InvalidParams error naming the field
/// (<see cref="InvalidParamsMessage"/>) instead of a null deep inside a handler; strings decode leniently
/// (<see cref="LenientStringConverter"/>).
/// </summary>
public static class LspJson
{
    /// <summary>How deep a message may nest: LSP's structures are a few levels deep; more is hostile or broken.</summary>
    public const int MaxDepth = 64;

    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        // Deep nesting in a hostile message must fail as invalid params, not exhaust the stack.
        MaxDepth = MaxDepth,
        RespectRequiredConstructorParameters = true,
        RespectNullableAnnotations = true,
        Converters = { new LenientStringConverter() },
    };

    public static JsonElement ToElement<T>(T value) => JsonSerializer.SerializeToElement(value, Options);

    /// <summary>A JSON string's text, decoded as leniently as params are (<see cref="JsonElement.GetString"/> throws on a lone surrogate).</summary>
    public static string? String(JsonElement element) =>
        element.ValueKind == JsonValueKind.String ? element.Deserialize<string>(Options) : null;
}
