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

    public static SchemaDocumentation? Documentation(string dialectId) =>
        Text(dialectId) is { } text ? SchemaDocumentation.FromJson(JsonNode.Parse(text)!.AsObject()) : null;
}
