using LspFineTune.Core.Text;

namespace LspFineTune.Core.Syntax;

/// <summary>The property at a position and its dotted path (e.g. <c>training.attention</c>), and whether the position is on its key.</summary>
public sealed record LocatedProperty(PropertyNode Property, string Path, bool OnKey);

/// <summary>Finds what a position in a document points at, for hovers and completion.</summary>
public static class SyntaxLocator
{
    /// <summary>The innermost property whose key or value contains <paramref name="position"/>; null outside every property.</summary>
    public static LocatedProperty? PropertyAt(ConfigSyntaxTree tree, TextPosition position)
    {
        LocatedProperty? found = null;
        var mapping = tree.RootMapping;
        var prefix = "";
        while (mapping is not null)
        {
            var property = mapping.Properties.FirstOrDefault(p => p.Key.Range.Contains(position) || p.Value.Range.Contains(position) && !IsEmpty(p.Value));
            if (property is null)
                break;
            var path = prefix.Length == 0 ? property.Key.Value : prefix + "." + property.Key.Value;
            found = new LocatedProperty(property, path, property.Key.Range.Contains(position));
            if (found.OnKey)
                break;
            mapping = property.Value as MappingNode;
            prefix = path;
        }
        return found;
    }

    /// <summary>The dotted path of a property node (walks up through its owning mappings).</summary>
    public static string PathOf(PropertyNode property)
    {
        var segments = new List<string>();
        for (PropertyNode? current = property; current is not null; current = current.Owner?.OwningProperty)
            segments.Add(current.Key.Value);
        segments.Reverse();
        return string.Join('.', segments);
    }

    private static bool IsEmpty(SyntaxNode node) => node is ScalarNode { IsNull: true } scalar && scalar.Range.Start == scalar.Range.End;
}
