using System.Text.Json.Nodes;

namespace LspFineTune.Core.Schema;

/// <summary>What a generated dialect schema says about one top-level key beyond JSON Schema (scripts/schemas/README.md).</summary>
public sealed record KeyAnnotation(string Key)
{
    /// <summary><c>deprecated</c> + <c>x-lft-replacement</c>: still read, with a warning; write the replacement instead.</summary>
    public string? Replacement { get; init; }

    /// <summary><c>x-lft-replacement-value</c>: the value the replacement takes (<c>flash_attention: true</c> is <c>attn_implementation: flash_attention_2</c>).</summary>
    public string? ReplacementValue { get; init; }

    public bool Deprecated { get; init; }

    /// <summary><c>x-lft-removed</c>: the framework refuses the key; what to use instead.</summary>
    public string? Removed { get; init; }

    /// <summary><c>x-lft-plugin</c>: read only when <c>plugins:</c> lists this plugin.</summary>
    public string? Plugin { get; init; }

    /// <summary><c>x-lft-rejected-values</c>: refused values and what to write instead (<c>flash</c> to <c>flash_attention_2</c>).</summary>
    public IReadOnlyDictionary<string, string> RejectedValues { get; init; } = new Dictionary<string, string>();
}

/// <summary>The <c>x-lft-*</c> annotations of a dialect schema's top-level properties.</summary>
public sealed class KeyAnnotations
{
    private readonly Dictionary<string, KeyAnnotation> _keys;

    private KeyAnnotations(Dictionary<string, KeyAnnotation> keys) => _keys = keys;

    public static KeyAnnotations Empty { get; } = new([]);

    public KeyAnnotation? Find(string key) => _keys.TryGetValue(key, out var annotation) ? annotation : null;

    public static KeyAnnotations FromJson(string schemaJson)
    {
        var keys = new Dictionary<string, KeyAnnotation>(StringComparer.Ordinal);
        if (JsonNode.Parse(schemaJson)?["properties"] is not JsonObject properties)
            return Empty;
        foreach (var (key, node) in properties)
        {
            if (node is not JsonObject property)
                continue;
            string? Text(string name) => property[name] is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;
            var annotation = new KeyAnnotation(key)
            {
                Deprecated = property["deprecated"] is JsonValue d && d.TryGetValue<bool>(out var deprecated) && deprecated,
                Replacement = Text("x-lft-replacement"),
                ReplacementValue = Text("x-lft-replacement-value"),
                Removed = Text("x-lft-removed"),
                Plugin = Text("x-lft-plugin"),
                RejectedValues = property["x-lft-rejected-values"] is JsonObject rejected
                    ? rejected.Where(r => r.Value is JsonValue).ToDictionary(r => r.Key, r => r.Value!.GetValue<string>())
                    : new Dictionary<string, string>(),
            };
            if (annotation.Deprecated || annotation.Removed is not null || annotation.Plugin is not null || annotation.RejectedValues.Count > 0)
                keys[key] = annotation;
        }
        return new KeyAnnotations(keys);
    }
}
