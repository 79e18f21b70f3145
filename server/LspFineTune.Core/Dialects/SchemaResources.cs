using System.Text.Json.Nodes;
using LspFineTune.Core.Schema;

namespace LspFineTune.Core.Dialects;

/// <summary>The dialect schemas embedded from <c>schemas/&lt;id&gt;.schema.json</c> (generated ones name their upstream commit).</summary>
internal static class SchemaResources
{
    public static string? Text(string dialectId)
    {
        using var stream = typeof(SchemaResources).Assembly.GetManifestResourceStream($"LspFineTune.Schemas.{dialectId}.schema.json");
        if (stream is null)
            return null;
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd();
    }

    public static SchemaValidator? Validator(string dialectId) => Text(dialectId) is { } text ? SchemaValidator.FromJson(text) : null;
}

/// <summary>
/// One dialect's embedded schema, read from the assembly once: its validator, its documentation (hover, completion) and
/// its <c>x-lft-*</c> key annotations, each built on first use.
/// </summary>
internal sealed class DialectSchemaResource
{
    private readonly Lazy<SchemaValidator?> _validator;
    private readonly Lazy<SchemaDocumentation?> _documentation;
    private readonly Lazy<KeyAnnotations> _annotations;

    public DialectSchemaResource(string dialectId)
    {
        var text = new Lazy<string?>(() => SchemaResources.Text(dialectId));
        _validator = new(() => text.Value is { } json ? SchemaValidator.FromJson(json) : null);
        _documentation = new(() => text.Value is { } json ? SchemaDocumentation.FromJson(JsonNode.Parse(json)!.AsObject()) : null);
        _annotations = new(() => text.Value is { } json ? KeyAnnotations.FromJson(json) : KeyAnnotations.Empty);
    }

    public SchemaValidator? Validator => _validator.Value;

    public SchemaDocumentation? Documentation => _documentation.Value;

    public KeyAnnotations Annotations => _annotations.Value;
}
