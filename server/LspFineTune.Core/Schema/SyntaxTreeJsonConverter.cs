using LspFineTune.Core.Syntax;
using Newtonsoft.Json.Linq;

namespace LspFineTune.Core.Schema;

/// <summary>
/// Converts a syntax tree to the JSON value NJsonSchema validates, remembering which node each token came from
/// so that every validation error can be placed on the text.
/// </summary>
internal sealed class SyntaxTreeJsonConverter
{
    // The parser caps nesting at 64 levels, aliases included; this guards trees built by hand.
    private const int MaxDepth = 128;

    /// <summary>The node each value token came from (JValue compares by value, so by reference here).</summary>
    public Dictionary<JToken, SyntaxNode> Nodes { get; } = new(ReferenceEqualityComparer.Instance);

    /// <summary>The property each JProperty came from: unknown-key errors point at the key.</summary>
    public Dictionary<JToken, PropertyNode> Properties { get; } = new(ReferenceEqualityComparer.Instance);

    public JToken Convert(SyntaxNode node) => Convert(node, 0);

    private JToken Convert(SyntaxNode node, int depth)
    {
        JToken token;
        if (depth > MaxDepth)
            token = JValue.CreateNull();
        else if (node is MappingNode mapping)
            token = ConvertMapping(mapping, depth);
        else if (node is SequenceNode sequence)
        {
            var array = new JArray();
            foreach (var item in sequence.Items)
                array.Add(Convert(item, depth + 1));
            token = array;
        }
        else
            token = ConvertScalar((ScalarNode)node);
        Nodes[token] = node;
        return token;
    }

    private JObject ConvertMapping(MappingNode mapping, int depth)
    {
        var json = new JObject();
        foreach (var property in mapping.Properties)
        {
            if (json.ContainsKey(property.Key.Value))
                continue; // the parser reports duplicates and keeps the first
            var jsonProperty = new JProperty(property.Key.Value, Convert(property.Value, depth + 1));
            json.Add(jsonProperty);
            Properties[jsonProperty] = property;
        }
        return json;
    }

    /// <summary>
    /// YAML 1.2 core schema types: integers as long, floats as double; what does not fit stays text. A float with no
    /// fractional part (<c>2e8</c>, common in DeepSpeed JSON) is an integer, as JSON Schema counts integers.
    /// </summary>
    private static JValue ConvertScalar(ScalarNode scalar) => scalar.Kind switch
    {
        ScalarKind.Null => JValue.CreateNull(),
        ScalarKind.Boolean => new JValue(scalar.AsBoolean() ?? false),
        ScalarKind.Integer when scalar.AsInteger() is { } integer => new JValue(integer),
        ScalarKind.Float when ScalarResolver.ParseFloat(scalar.Value) is { } whole && double.IsFinite(whole) && whole == Math.Floor(whole) && Math.Abs(whole) < 9e15 => new JValue((long)whole),
        ScalarKind.Integer or ScalarKind.Float when ScalarResolver.ParseFloat(scalar.Value) is { } number => new JValue(number),
        _ => new JValue(scalar.Value),
    };
}
