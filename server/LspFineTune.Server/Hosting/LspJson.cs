using System.Text.Json;
using System.Text.Json.Serialization;

namespace LspFineTune.Server.Hosting;

/// <summary>LSP's JSON conventions: camelCase names, absent (not null) optional fields.</summary>
public static class LspJson
{
    public static JsonSerializerOptions Options { get; } = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        // Deep nesting in a hostile message must fail as invalid params, not exhaust the stack.
        MaxDepth = 64,
    };

    public static JsonElement ToElement<T>(T value) => JsonSerializer.SerializeToElement(value, Options);
}
