using LspFineTune.Core.Diagnostics;
using LspFineTune.Core.Syntax;
using NJsonSchema;

namespace LspFineTune.Core.Schema;

/// <summary>
/// Validates a parsed config against a JSON Schema (by default the bundled <c>schemas/lft.schema.json</c>) and reports
/// each problem at the value or key it is about. Immutable once loaded; safe to share across documents and threads.
/// </summary>
public sealed class SchemaValidator
{
    internal const string DefaultSchemaResource = "LspFineTune.Schemas.lft.schema.json";

    private static readonly Lazy<SchemaValidator> DefaultValidator = new(LoadDefault);

    private SchemaValidator(JsonSchema schema) => Schema = schema;

    /// <summary>The validator for the native config format, from the schema embedded in this assembly.</summary>
    public static SchemaValidator Default => DefaultValidator.Value;

    public JsonSchema Schema { get; }

    public static SchemaValidator FromJson(string schemaJson)
    {
        var json = SchemaKeywordRewriter.RewriteConstToEnum(schemaJson);
        // NJsonSchema only loads asynchronously; Task.Run keeps a caller's synchronization context out of the wait.
        return new SchemaValidator(Task.Run(() => JsonSchema.FromJsonAsync(json)).GetAwaiter().GetResult());
    }

    public IReadOnlyList<Diagnostic> Validate(ConfigSyntaxTree tree)
    {
        ArgumentNullException.ThrowIfNull(tree);
        // A document that is not a mapping is already reported by the parser; validating it would only repeat that.
        if (tree.RootMapping is not { } root)
            return [];

        var converter = new SyntaxTreeJsonConverter();
        var json = converter.Convert(root);
        var errors = ValidationErrorFlattener.Flatten(Schema.Validate(json));

        // After a syntax error the tree holds only what parsed before it: keys after it are not missing, just unread.
        var partialTree = HasSyntaxError(tree);
        var describer = new ValidationErrorDescriber(converter, Schema);
        var diagnostics = new List<Diagnostic>(errors.Count);
        var seen = new HashSet<(string, Text.TextRange, string)>();
        foreach (var error in errors)
        {
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
