using LspFineTune.Core.Diagnostics;
using LspFineTune.Core.Dialects;
using LspFineTune.Core.Editing;
using LspFineTune.Core.Syntax;
using LspFineTune.Core.Text;

namespace LspFineTune.Core.Advice;

/// <summary>
/// "Did you mean" fixes for schema findings: a misspelt key or value is replaced by the suggestion, keeping the quotes
/// it was written with. Made here, with the finding, so the editor's light bulb and a future <c>lft check --fix</c>
/// share them.
/// </summary>
public static class SuggestionFixes
{
    public static IEnumerable<Diagnostic> Attach(ConfigSyntaxTree tree, IEnumerable<Diagnostic> diagnostics)
    {
        foreach (var diagnostic in diagnostics)
        {
            if (diagnostic.Code is DiagnosticCodes.UnknownKey or DiagnosticCodes.NotAllowedValue
                && diagnostic.Data.TryGetValue("suggestion", out var suggestion)
                && FindScalar(tree, diagnostic.Range) is { } scalar)
            {
                var fix = new CodeFix($"Change to `{suggestion}`", [new FileEdit(null, [new TextEdit(scalar.Range, scalar.InSameQuotes(suggestion))])]) { IsPreferred = true };
                yield return diagnostic with { Fixes = [.. diagnostic.Fixes, fix] };
            }
            else
            {
                yield return diagnostic;
            }
        }
    }

    /// <summary>The key or scalar value a diagnostic was reported on.</summary>
    private static ScalarNode? FindScalar(ConfigSyntaxTree tree, TextRange range)
    {
        if (tree.RootMapping is not { } root)
            return null;
        var pending = new Stack<SyntaxNode>([root]);
        while (pending.Count > 0)
        {
            switch (pending.Pop())
            {
                case MappingNode mapping:
                    foreach (var property in mapping.Properties)
                    {
                        if (property.Key.Range == range)
                            return property.Key;
                        if (property.Value is ScalarNode value && value.Range == range)
                            return value;
                        pending.Push(property.Value);
                    }
                    break;
                case SequenceNode sequence:
                    foreach (var item in sequence.Items)
                    {
                        if (item is ScalarNode scalar && scalar.Range == range)
                            return scalar;
                        pending.Push(item);
                    }
                    break;
            }
        }
        return null;
    }
}
