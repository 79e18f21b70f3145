using System.Text;
using LspFineTune.Core.Advice;
using LspFineTune.Core.Syntax;
using LspFineTune.Core.Text;

namespace LspFineTune.Core.Editing;

/// <summary>
/// Turns config changes into minimal, non-overlapping text edits on the original document: an existing value is
/// replaced in place; missing keys are inserted once, under the deepest section that exists, after its last line,
/// with its indentation (YAML) or as members before its closing brace (JSON / flow mappings). Comments, key order
/// and formatting elsewhere are untouched.
/// </summary>
public static class ConfigEditor
{
    public static IReadOnlyList<TextEdit> ToTextEdits(ConfigSyntaxTree tree, IReadOnlyList<ConfigChange> changes)
    {
        var json = tree.Format == DocumentFormat.Json;
        var edits = new List<TextEdit>();
        var insertions = new Dictionary<MappingNode, List<(string[] Remaining, ConfigChange Change)>>();
        var root = tree.RootMapping;
        foreach (var change in changes)
        {
            var segments = change.Path.Split('.');
            var mapping = root;
            var depth = 0;
            PropertyNode? property = null;
            while (mapping is not null && depth < segments.Length)
            {
                property = mapping.Find(segments[depth]);
                if (property is null)
                    break;
                depth++;
                if (depth < segments.Length)
                {
                    if (property.Value is not MappingNode child)
                        break;
                    mapping = child;
                }
            }
            if (property is not null && depth == segments.Length)
            {
                // An empty value (`deepspeed:` with nothing after it) has no width: the new value needs its space.
                var empty = !json && property.Value is ScalarNode { IsNull: true } && property.Value.Range.Start == property.Value.Range.End;
                edits.Add(new TextEdit(property.Value.Range, (empty ? " " : "") + change.ValueText(json)));
            }
            else if (mapping is not null && (property is null || property.Value is MappingNode))
            {
                if (!insertions.TryGetValue(mapping, out var list))
                    insertions[mapping] = list = [];
                list.Add((segments[depth..], change));
            }
            else
            {
                // The document has no usable place (no root mapping, or a scalar where a section should be):
                // replace the whole document's root is too destructive, so leave this change out.
                continue;
            }
        }
        // Insertions into a section and into its parent can fall at the same place (the section is the parent's last):
        // LSP keeps same-position edits in array order, so the deeper one must come first or its keys would land under
        // the parent's new ones.
        var depths = new Dictionary<TextEdit, int>(ReferenceEqualityComparer.Instance);
        foreach (var (mapping, items) in insertions)
        {
            var insertion = Insertion(tree, mapping, items, json);
            depths[insertion] = mapping.Range.Start.Character;
            edits.Add(insertion);
        }
        return edits.OrderBy(e => e.Range.Start).ThenByDescending(e => depths.GetValueOrDefault(e, int.MaxValue)).ToList();
    }

    private static TextEdit Insertion(ConfigSyntaxTree tree, MappingNode mapping, List<(string[] Remaining, ConfigChange Change)> items, bool json)
    {
        var nested = new SortedDictionary<string, object>(StringComparer.Ordinal);
        foreach (var (remaining, change) in items)
        {
            var level = nested;
            for (var i = 0; i < remaining.Length - 1; i++)
            {
                if (!level.TryGetValue(remaining[i], out var next) || next is not SortedDictionary<string, object> child)
                    level[remaining[i]] = child = new SortedDictionary<string, object>(StringComparer.Ordinal);
                level = child;
            }
            level[remaining[^1]] = change;
        }
        if (mapping.IsFlow || json)
            return FlowInsertion(tree, mapping, nested, json);

        var indent = mapping.Properties.Count > 0 ? mapping.Properties[0].Key.Range.Start.Character : 0;
        var lastLine = LastLine(mapping);
        var lines = tree.Text.Split('\n');
        var lineLength = lastLine < lines.Length ? lines[lastLine].TrimEnd('\r').Length : 0;
        var text = new StringBuilder();
        WriteBlock(text, nested, indent, indentStep: InferIndentStep(tree));
        return new TextEdit(TextRange.At(lastLine, lineLength), text.ToString());
    }

    private static void WriteBlock(StringBuilder text, SortedDictionary<string, object> level, int indent, int indentStep)
    {
        foreach (var (key, value) in level)
        {
            text.Append('\n').Append(' ', indent).Append(key).Append(':');
            if (value is ConfigChange change)
                text.Append(' ').Append(change.ValueText(json: false));
            else
                WriteBlock(text, (SortedDictionary<string, object>)value, indent + indentStep, indentStep);
        }
    }

    private static TextEdit FlowInsertion(ConfigSyntaxTree tree, MappingNode mapping, SortedDictionary<string, object> nested, bool json)
    {
        var members = FlowMembers(nested, json);
        if (mapping.Properties.Count > 0)
            return new TextEdit(TextRange.At(mapping.Properties[^1].Range.End.Line, mapping.Properties[^1].Range.End.Character), ", " + members);
        // An empty {}: insert just after the opening brace.
        var start = mapping.Range.Start;
        return new TextEdit(TextRange.At(start.Line, start.Character + 1), members);
    }

    private static string FlowMembers(SortedDictionary<string, object> level, bool json) =>
        string.Join(", ", level.Select(pair =>
        {
            var key = json ? $"\"{pair.Key}\"" : pair.Key;
            var value = pair.Value is ConfigChange change
                ? change.ValueText(json)
                : "{ " + FlowMembers((SortedDictionary<string, object>)pair.Value, json) + " }";
            return $"{key}: {value}";
        }));

    /// <summary>The last line holding text of a block mapping: where its last scalar (or flow collection) ends.</summary>
    private static int LastLine(SyntaxNode node)
    {
        while (true)
        {
            switch (node)
            {
                case MappingNode { IsFlow: false, Properties.Count: > 0 } mapping:
                    node = mapping.Properties[^1].Value is ScalarNode { IsNull: true, Range.Start.Line: var line } && line < mapping.Properties[^1].Key.Range.End.Line
                        ? mapping.Properties[^1].Key
                        : mapping.Properties[^1].Value;
                    break;
                case SequenceNode { IsFlow: false, Items.Count: > 0 } sequence:
                    node = sequence.Items[^1];
                    break;
                case ScalarNode { IsNull: true } scalar when scalar.OwningProperty is not null:
                    return scalar.OwningProperty.Key.Range.End.Line;
                default:
                    return node.Range.End.Line;
            }
        }
    }

    /// <summary>The document's indentation step: the first nested block mapping's indent relative to its parent, else 2.</summary>
    private static int InferIndentStep(ConfigSyntaxTree tree)
    {
        foreach (var property in tree.RootMapping?.Properties ?? [])
        {
            if (property.Value is MappingNode { IsFlow: false, Properties.Count: > 0 } child)
                return Math.Max(1, child.Properties[0].Key.Range.Start.Character - property.Key.Range.Start.Character);
        }
        return 2;
    }
}
