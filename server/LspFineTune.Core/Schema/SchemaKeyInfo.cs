using System.Text.Json.Nodes;

namespace LspFineTune.Core.Schema;

/// <summary>
/// What the schema says about one key: its description, type, default, allowed values and, for a section, its keys.
/// Hover and completion show these; values are kept as JSON so they print exactly as a config would write them.
/// </summary>
public sealed record SchemaKeyInfo
{
    /// <summary>Dotted path of the key, e.g. <c>training.attention</c>.</summary>
    public required string Path { get; init; }

    public string? Description { get; init; }

    /// <summary>The schema's Markdown description where it has one (examples, lists); else <see cref="Description"/>.</summary>
    public string? MarkdownDescription { get; init; }

    /// <summary>JSON Schema types, e.g. ["integer"] or ["string", "array"] for an anyOf.</summary>
    public IReadOnlyList<string> Types { get; init; } = [];

    public JsonNode? Default { get; init; }

    public IReadOnlyList<JsonNode?> AllowedValues { get; init; } = [];

    public IReadOnlyList<JsonNode?> Examples { get; init; } = [];

    public double? Minimum { get; init; }

    public double? Maximum { get; init; }

    /// <summary>Keys of a section (an object), in schema order.</summary>
    public IReadOnlyList<SchemaKeyInfo> Children { get; init; } = [];

    /// <summary>True when the section accepts keys the schema does not list (model.architecture).</summary>
    public bool AllowsOtherKeys { get; init; }

    public bool IsSection => Types.Contains("object");
}
