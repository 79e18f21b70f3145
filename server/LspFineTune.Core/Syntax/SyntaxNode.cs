using LspFineTune.Core.Text;

namespace LspFineTune.Core.Syntax;

/// <summary>
/// A node of a parsed config (YAML or JSON) that knows its exact range in the text.
/// Trees are immutable once built; <see cref="Parent"/> is set by the parser.
/// </summary>
public abstract class SyntaxNode
{
    protected SyntaxNode(TextRange range) => Range = range;

    public TextRange Range { get; }

    /// <summary>The mapping or sequence holding this node (for a key or value: the mapping); null at the root.</summary>
    public SyntaxNode? Parent { get; internal set; }

    /// <summary>The property whose value this node is, if any.</summary>
    public PropertyNode? OwningProperty { get; internal set; }
}

/// <summary>A YAML block or flow mapping, or a JSON object.</summary>
public sealed class MappingNode(TextRange range, IReadOnlyList<PropertyNode> properties, bool isFlow) : SyntaxNode(range)
{
    public IReadOnlyList<PropertyNode> Properties { get; } = properties;

    /// <summary>True for <c>{ a: 1 }</c> and JSON objects, false for block (indented) YAML mappings.</summary>
    public bool IsFlow { get; } = isFlow;

    /// <summary>The first property with this key (duplicates are reported by the parser).</summary>
    public PropertyNode? Find(string key)
    {
        foreach (var property in Properties)
        {
            if (property.Key.Value == key)
                return property;
        }
        return null;
    }
}

/// <summary>A key and its value. The key is always a scalar in configs we accept.</summary>
public sealed class PropertyNode(ScalarNode key, SyntaxNode value)
{
    public ScalarNode Key { get; } = key;

    public SyntaxNode Value { get; } = value;

    /// <summary>From the start of the key to the end of the value.</summary>
    public TextRange Range => new(Key.Range.Start, Value.Range.End > Key.Range.End ? Value.Range.End : Key.Range.End);

    /// <summary>The mapping that holds this property.</summary>
    public MappingNode? Owner { get; internal set; }
}

/// <summary>A YAML sequence or JSON array.</summary>
public sealed class SequenceNode(TextRange range, IReadOnlyList<SyntaxNode> items, bool isFlow) : SyntaxNode(range)
{
    public IReadOnlyList<SyntaxNode> Items { get; } = items;

    public bool IsFlow { get; } = isFlow;
}

/// <summary>How a scalar was written; quoted scalars are always strings.</summary>
public enum ScalarStyle
{
    Plain,
    SingleQuoted,
    DoubleQuoted,
    Literal,
    Folded,
}

/// <summary>The type a scalar resolves to under the YAML 1.2 core schema (JSON's types for JSON documents).</summary>
public enum ScalarKind
{
    Null,
    Boolean,
    Integer,
    Float,
    String,
}

/// <summary>
/// A scalar with its text as written (after unescaping) and the type it resolves to.
/// An empty value (<c>key:</c>) is a Null scalar with an empty range at the end of the key's line.
/// </summary>
public sealed class ScalarNode(TextRange range, string value, ScalarStyle style, ScalarKind kind) : SyntaxNode(range)
{
    public string Value { get; } = value;

    public ScalarStyle Style { get; } = style;

    public ScalarKind Kind { get; } = kind;

    public bool IsNull => Kind == ScalarKind.Null;

    /// <summary>Another value written with this scalar's quotes, so an edit that replaces it keeps the user's style.</summary>
    public string InSameQuotes(string text) => Style switch
    {
        ScalarStyle.DoubleQuoted => "\"" + text + "\"",
        ScalarStyle.SingleQuoted => "'" + text + "'",
        _ => text,
    };

    public bool? AsBoolean() => Kind == ScalarKind.Boolean ? ScalarResolver.ParseBoolean(Value) : null;

    public long? AsInteger() => Kind == ScalarKind.Integer ? ScalarResolver.ParseInteger(Value) : null;

    /// <summary>The numeric value of an integer or float scalar.</summary>
    public double? AsNumber() => Kind switch
    {
        ScalarKind.Integer => ScalarResolver.ParseInteger(Value),
        ScalarKind.Float => ScalarResolver.ParseFloat(Value),
        _ => null,
    };
}
