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

    public static SchemaDocumentation FromJson(JsonObject schema) => new(Read("", schema, schema, 0));

    /// <summary>Documentation built directly from its keys, for a dialect without a schema file that knows its keys
    /// otherwise (torchtune: the signatures of the components a document names).</summary>
    public static SchemaDocumentation FromKeys(SchemaKeyInfo root) => new(root);

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

    /// <summary>Generated schemas nest: a key's type may sit behind <c>$ref</c> and inside <c>anyOf</c> branches.</summary>
    private const int MaxDepth = 12;

    private static SchemaKeyInfo Read(string path, JsonObject schema, JsonObject root, int depth)
    {
        schema = Resolve(schema, root);
        var alternatives = depth < MaxDepth && (schema["anyOf"] ?? schema["oneOf"]) is JsonArray options
            ? options.OfType<JsonObject>().Select(a => Resolve(a, root)).ToList()
            : [];
        var children = new List<SchemaKeyInfo>();
        // A section's keys: its own, or those of the object branch of an anyOf (DeepSpeed's zero_optimization is an
        // object or, deprecated, a boolean).
        var properties = schema["properties"] as JsonObject ?? alternatives.Select(a => a["properties"]).OfType<JsonObject>().FirstOrDefault();
        if (properties is not null && depth < MaxDepth)
        {
            foreach (var (key, value) in properties)
            {
                if (value is JsonObject child)
                    children.Add(Read(path.Length == 0 ? key : path + "." + key, child, root, depth + 1));
            }
        }
        var types = Types(schema).Concat(alternatives.SelectMany(Types)).Distinct().ToList();
        // `const` is a one-value enum (generated schemas write `"auto"` that way).
        static IEnumerable<JsonNode?> Values(JsonObject s) =>
            s["enum"] is JsonArray values ? values.Select(v => v?.DeepClone()) : s.ContainsKey("const") ? [s["const"]?.DeepClone()] : [];
        var allowed = Values(schema).ToList() is { Count: > 0 } own ? own : alternatives.SelectMany(Values).ToList();
        var items = schema["items"] as JsonObject ?? alternatives.Select(a => a["items"]).OfType<JsonObject>().FirstOrDefault();
        if (allowed.Count == 0 && items?["enum"] is JsonArray itemValues)
            allowed = itemValues.Select(v => v?.DeepClone()).ToList();
        string? First(string name) => (string?)schema[name] ?? alternatives.Select(a => (string?)a[name]).FirstOrDefault(d => d is not null);
        var additional = schema["additionalProperties"] ?? alternatives.Select(a => a["additionalProperties"]).FirstOrDefault(a => a is not null);
        return new SchemaKeyInfo
        {
            Path = path,
            Description = First("description"),
            MarkdownDescription = First("markdownDescription") ?? First("description"),
            Types = types,
            Default = (schema["default"] ?? alternatives.Select(a => a["default"]).FirstOrDefault(d => d is not null))?.DeepClone(),
            AllowedValues = allowed,
            Examples = (schema["examples"] as JsonArray)?.Select(v => v?.DeepClone()).ToList() ?? [],
            Minimum = (double?)schema["minimum"] ?? (double?)schema["exclusiveMinimum"] ?? alternatives.Select(a => (double?)a["minimum"]).FirstOrDefault(m => m is not null),
            Maximum = (double?)schema["maximum"] ?? (double?)schema["exclusiveMaximum"] ?? alternatives.Select(a => (double?)a["maximum"]).FirstOrDefault(m => m is not null),
            Children = children,
            AllowsOtherKeys = additional is not JsonValue flag || flag.GetValue<bool>(),
        };
    }

    /// <summary>
    /// A schema with its <c>$ref</c> (<c>#/definitions/X</c> or <c>#/$defs/X</c>) followed: the referenced schema, with
    /// the referring schema's own words (its description, default) kept over the target's.
    /// </summary>
    private static JsonObject Resolve(JsonObject schema, JsonObject root)
    {
        for (var hops = 0; hops < MaxDepth && schema["$ref"] is JsonValue reference && reference.TryGetValue<string>(out var pointer) && pointer.StartsWith("#/", StringComparison.Ordinal); hops++)
        {
            JsonNode? target = root;
            foreach (var segment in pointer[2..].Split('/'))
                target = target?[segment];
            if (target is not JsonObject resolved)
                break;
            var merged = resolved.DeepClone().AsObject();
            foreach (var (key, value) in schema)
            {
                if (key != "$ref")
                    merged[key] = value?.DeepClone();
            }
            schema = merged;
        }
        return schema;
    }

    private static IEnumerable<string> Types(JsonObject schema) => schema["type"] switch
    {
        JsonValue single => [single.GetValue<string>()],
        JsonArray many => many.Select(t => (string)t!),
        _ => [],
    };
}
