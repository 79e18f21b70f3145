using System.Text.Json.Nodes;

namespace LspFineTune.Core.Schema;

/// <summary>
/// Reads descriptions, defaults and allowed values out of a JSON Schema by dotted key path, for hovers and
/// completion. The schema is the one source of truth for keys, so editors never repeat its text.
/// </summary>
public sealed class SchemaDocumentation
{
    private static readonly Lazy<SchemaDocumentation> DefaultDocumentation = new(() =>
    {
        using var stream = typeof(SchemaDocumentation).Assembly.GetManifestResourceStream(SchemaValidator.DefaultSchemaResource)
            ?? throw new InvalidOperationException($"resource {SchemaValidator.DefaultSchemaResource} is missing from {typeof(SchemaDocumentation).Assembly.GetName().Name}");
        return FromJson(JsonNode.Parse(stream)!.AsObject());
    });

    private readonly SchemaKeyInfo _root;

    private SchemaDocumentation(SchemaKeyInfo root) => _root = root;

    /// <summary>The bundled <c>lft.schema.json</c>.</summary>
    public static SchemaDocumentation Default => DefaultDocumentation.Value;

    public SchemaKeyInfo Root => _root;

    public static SchemaDocumentation FromJson(JsonObject schema) => new(Read("", schema));

    /// <summary>The key at a dotted path (e.g. <c>method.lora.rank</c>); null when the schema has no such key.</summary>
    public SchemaKeyInfo? Find(string dottedPath)
    {
        if (dottedPath.Length == 0)
            return _root;
        var current = _root;
        foreach (var key in dottedPath.Split('.'))
        {
            var child = current.Children.FirstOrDefault(c => LastSegment(c.Path) == key);
            if (child is null)
                return null;
            current = child;
        }
        return current;
    }

    private static string LastSegment(string path) => path[(path.LastIndexOf('.') + 1)..];

    private static SchemaKeyInfo Read(string path, JsonObject schema)
    {
        var children = new List<SchemaKeyInfo>();
        if (schema["properties"] is JsonObject properties)
        {
            foreach (var (key, value) in properties)
            {
                if (value is JsonObject child)
                    children.Add(Read(path.Length == 0 ? key : path + "." + key, child));
            }
        }
        var alternatives = (schema["anyOf"] ?? schema["oneOf"]) is JsonArray options ? options.OfType<JsonObject>().ToList() : [];
        var types = Types(schema).Concat(alternatives.SelectMany(Types)).Distinct().ToList();
        var allowed = (schema["enum"] as JsonArray)?.Select(v => v?.DeepClone()).ToList()
            ?? alternatives.SelectMany(a => (a["enum"] as JsonArray)?.Select(v => v?.DeepClone()) ?? []).ToList();
        var items = schema["items"] as JsonObject ?? alternatives.Select(a => a["items"]).OfType<JsonObject>().FirstOrDefault();
        if (allowed.Count == 0 && items?["enum"] is JsonArray itemValues)
            allowed = itemValues.Select(v => v?.DeepClone()).ToList();
        return new SchemaKeyInfo
        {
            Path = path,
            Description = (string?)schema["description"],
            MarkdownDescription = (string?)schema["markdownDescription"] ?? (string?)schema["description"],
            Types = types,
            Default = schema["default"]?.DeepClone(),
            AllowedValues = allowed,
            Examples = (schema["examples"] as JsonArray)?.Select(v => v?.DeepClone()).ToList() ?? [],
            Minimum = (double?)schema["minimum"] ?? (double?)schema["exclusiveMinimum"],
            Maximum = (double?)schema["maximum"] ?? (double?)schema["exclusiveMaximum"],
            Children = children,
            AllowsOtherKeys = schema["additionalProperties"] is not JsonValue additional || additional.GetValue<bool>(),
        };
    }

    private static IEnumerable<string> Types(JsonObject schema) => schema["type"] switch
    {
        JsonValue single => [single.GetValue<string>()],
        JsonArray many => many.Select(t => (string)t!),
        _ => [],
    };
}
