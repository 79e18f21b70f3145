using LspFineTune.Core.Diagnostics;
using LspFineTune.Core.Text;

namespace LspFineTune.Core.Syntax;

/// <summary>
/// The result of parsing one config document: the node tree (null when nothing usable parsed),
/// and the syntax diagnostics. Parsing never throws; every problem is a diagnostic.
/// </summary>
public sealed class ConfigSyntaxTree(string text, DocumentFormat format, SyntaxNode? root, IReadOnlyList<Diagnostic> diagnostics)
{
    public string Text { get; } = text;

    public DocumentFormat Format { get; } = format;

    public SyntaxNode? Root { get; } = root;

    public IReadOnlyList<Diagnostic> Diagnostics { get; } = diagnostics;

    public MappingNode? RootMapping => Root as MappingNode;

    /// <summary>The property at a dotted path such as <c>training.micro_batch_size</c>, or null.</summary>
    public PropertyNode? FindProperty(string dottedPath)
    {
        var mapping = RootMapping;
        PropertyNode? property = null;
        foreach (var segment in dottedPath.Split('.'))
        {
            if (mapping is null)
                return null;
            property = mapping.Find(segment);
            mapping = property?.Value as MappingNode;
        }
        return property;
    }

    /// <summary>The range to report for a path: the value if present, else the deepest existing parent key, else the document start.</summary>
    public TextRange RangeOf(string dottedPath)
    {
        var segments = dottedPath.Split('.');
        for (var length = segments.Length; length > 0; length--)
        {
            var property = FindProperty(string.Join('.', segments, 0, length));
            if (property is not null)
                return length == segments.Length ? property.Value.Range : property.Key.Range;
        }
        return TextRange.At(0, 0);
    }
}
