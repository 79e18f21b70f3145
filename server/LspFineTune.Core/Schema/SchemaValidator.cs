using LspFineTune.Core.Diagnostics;
using LspFineTune.Core.Syntax;
using NJsonSchema;
using NJsonSchema.Validation;

namespace LspFineTune.Core.Schema;

/// <summary>
/// Validates a parsed config against a JSON Schema (by default the bundled <c>schemas/lft.schema.json</c>) and reports
/// each problem at the value or key it is about. Immutable once loaded; safe to share across documents and threads.
/// </summary>
public sealed class SchemaValidator
{
    internal const string DefaultSchemaResource = "LspFineTune.Schemas.lft.schema.json";

    private static readonly Lazy<SchemaValidator> DefaultValidator = new(LoadDefault);

    private SchemaValidator(JsonSchema schema, bool splitsAtTheRoot)
    {
        Schema = schema;
        _splitsAtTheRoot = splitsAtTheRoot;
        _properties = new Lazy<Dictionary<string, JsonSchemaProperty>>(() => schema.ActualSchema.ActualProperties.ToDictionary());
    }

    /// <summary>The root is a plain object schema (properties, patternProperties, additionalProperties, required and
    /// nothing that relates its keys), so each top-level value can be validated on its own.</summary>
    private readonly bool _splitsAtTheRoot;

    /// <summary>The root's property schemas, once: NJsonSchema builds ActualProperties anew on every access.</summary>
    private readonly Lazy<Dictionary<string, JsonSchemaProperty>> _properties;

    /// <summary>Top-level values (key and JSON text) that validated without error: on a keystroke, only the values that
    /// changed are validated again. Bounded; cleared when full.</summary>
    private readonly System.Collections.Concurrent.ConcurrentDictionary<string, byte> _cleanValues = new(StringComparer.Ordinal);

    private const int MaxCleanValues = 8192;

    private static readonly string[] RelatingKeywords = ["allOf", "anyOf", "oneOf", "not", "if", "dependencies", "dependentRequired", "dependentSchemas", "minProperties", "maxProperties", "propertyNames"];

    /// <summary>The validator for the native config format, from the schema embedded in this assembly.</summary>
    public static SchemaValidator Default => DefaultValidator.Value;

    public JsonSchema Schema { get; }

    public static SchemaValidator FromJson(string schemaJson)
    {
        var json = SchemaKeywordRewriter.RewriteConstToEnum(schemaJson);
        // NJsonSchema only loads asynchronously; Task.Run keeps a caller's synchronization context out of the wait.
        var schema = Task.Run(() => JsonSchema.FromJsonAsync(json)).GetAwaiter().GetResult();
        var root = System.Text.Json.Nodes.JsonNode.Parse(json) as System.Text.Json.Nodes.JsonObject;
        var splits = root is not null && root["properties"] is System.Text.Json.Nodes.JsonObject && !RelatingKeywords.Any(root.ContainsKey);
        return new SchemaValidator(schema, splits);
    }

    public IReadOnlyList<Diagnostic> Validate(ConfigSyntaxTree tree)
    {
        ArgumentNullException.ThrowIfNull(tree);
        // A document that is not a mapping is already reported by the parser; validating it would only repeat that.
        if (tree.RootMapping is not { } root)
            return [];

        var converter = new SyntaxTreeJsonConverter();
        var json = converter.Convert(root);
        var errors = ValidationErrorFlattener.Flatten(RawErrors(json));

        // After a syntax error the tree holds only what parsed before it: keys after it are not missing, just unread.
        var partialTree = HasSyntaxError(tree);
        var describer = new ValidationErrorDescriber(converter, Schema);
        // Describing one costs a did-you-mean against hundreds of keys: a document with 100,000 unknown keys would cost
        // seconds and hundreds of MB a keystroke, for a list cut at the cap anyway.
        var diagnostics = new List<Diagnostic>(Math.Min(errors.Count, DiagnosticCap.Max + 1));
        var seen = new HashSet<(string, Text.TextRange, string)>();
        // Described in document order, the first ones first: past the cap, one line says how many more there are.
        var ordered = errors.OrderBy(e => e.Token is { } t && converter.Nodes.TryGetValue(t, out var node) ? node.Range.Start : default).ToList();
        for (var i = 0; i < ordered.Count; i++)
        {
            var error = ordered[i];
            if (diagnostics.Count == DiagnosticCap.Max)
            {
                var at = error.Token is { } t && converter.Nodes.TryGetValue(t, out var node) ? node.Range : Text.TextRange.At(0, 0);
                // Unknown keys are errors or warnings as the dialect says (its review sees the listed ones); the rest are errors.
                var onlyUnknownKeys = ordered.Skip(i).All(e => e.Kind == ValidationErrorKind.NoAdditionalPropertiesAllowed);
                diagnostics.Add(DiagnosticCap.Summary(ordered.Count - i, mayHoldErrors: !onlyUnknownKeys, at, onlyUnknownKeys ? DiagnosticCodes.UnknownKey : null));
                break;
            }
            if (describer.Describe(error) is not { } diagnostic)
                continue;
            if (partialTree && diagnostic.Code == DiagnosticCodes.MissingRequiredKey)
                continue;
            if (seen.Add((diagnostic.Code, diagnostic.Range, diagnostic.Message)))
                diagnostics.Add(diagnostic);
        }
        // Document order, for the CLI and for stable tests; the sort is stable for equal positions.
        return [.. diagnostics.OrderBy(d => d.Range.Start)];
    }

    /// <summary>
    /// What NJsonSchema reports for the whole document, computed per top-level key: the root's own rules (unknown keys,
    /// required keys, pattern properties) here, and each value against its property's schema unless the same key and
    /// value validated cleanly before. A dialect schema has hundreds of keys (axolotl 484); a keystroke changes one.
    /// </summary>
    private IEnumerable<ValidationError> RawErrors(Newtonsoft.Json.Linq.JToken json)
    {
        var root = Schema.ActualSchema;
        if (!_splitsAtTheRoot || json is not Newtonsoft.Json.Linq.JObject document)
            return Schema.Validate(json);
        var errors = new List<ValidationError>();
        var properties = _properties.Value;
        foreach (var property in document.Properties())
        {
            if (properties.TryGetValue(property.Name, out var propertySchema))
            {
                var key = property.Name + "\u0000" + property.Value.ToString(Newtonsoft.Json.Formatting.None);
                if (_cleanValues.ContainsKey(key))
                    continue;
                var valueErrors = propertySchema.ActualSchema.Validate(property.Value);
                if (valueErrors.Count == 0)
                {
                    if (_cleanValues.Count >= MaxCleanValues)
                        _cleanValues.Clear();
                    _cleanValues.TryAdd(key, 0);
                }
                errors.AddRange(valueErrors);
                continue;
            }
            var patterns = root.PatternProperties.Where(p => System.Text.RegularExpressions.Regex.IsMatch(property.Name, p.Key)).ToList();
            if (patterns.Count > 0)
            {
                foreach (var pattern in patterns)
                    errors.AddRange(pattern.Value.ActualSchema.Validate(property.Value));
            }
            else if (root.AdditionalPropertiesSchema is { } additional)
            {
                errors.AddRange(additional.ActualSchema.Validate(property.Value));
            }
            else if (!root.AllowAdditionalProperties)
            {
                errors.Add(new ValidationError(ValidationErrorKind.NoAdditionalPropertiesAllowed, property.Name, property.Path, property, root));
            }
        }
        foreach (var required in root.RequiredProperties)
        {
            if (!document.ContainsKey(required))
                errors.Add(new ValidationError(ValidationErrorKind.PropertyRequired, required, required, document, root));
        }
        return errors;
    }

    private static bool HasSyntaxError(ConfigSyntaxTree tree)
    {
        foreach (var diagnostic in tree.Diagnostics)
        {
            if (diagnostic.Code == DiagnosticCodes.SyntaxError)
                return true;
        }
        return false;
    }

    private static SchemaValidator LoadDefault()
    {
        using var stream = typeof(SchemaValidator).Assembly.GetManifestResourceStream(DefaultSchemaResource)
            ?? throw new InvalidOperationException($"The embedded schema {DefaultSchemaResource} is missing from {typeof(SchemaValidator).Assembly.GetName().Name}.");
        using var reader = new StreamReader(stream);
        return FromJson(reader.ReadToEnd());
    }
}
