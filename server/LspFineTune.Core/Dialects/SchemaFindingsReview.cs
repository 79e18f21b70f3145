using LspFineTune.Core.Diagnostics;
using LspFineTune.Core.Editing;
using LspFineTune.Core.Schema;
using LspFineTune.Core.Syntax;
using LspFineTune.Core.Text;

namespace LspFineTune.Core.Dialects;

/// <summary>What a framework does with a top-level key it does not know: axolotl drops it (a near-miss is then an error,
/// anything else a warning that it has no effect); HfArgumentParser-based ones (TRL, LLaMA-Factory) refuse it.</summary>
public enum UnknownKeyPolicy { Ignored, Refused }

/// <summary>
/// Turns a generated schema's plain findings into what the framework itself would do (axolotl, DeepSpeed): a removed
/// key is refused with what replaced it; a deprecated key is a warning with a rename fix; a plugin key without its
/// plugin is dropped; a key the framework does not know is dropped silently, so a near-miss of a real key (a typo that
/// changes the run) is an error with its did-you-mean, and any other unknown key a warning that it has no effect.
/// </summary>
public static class SchemaFindingsReview
{
    /// <param name="refusesNestedUnknownKeys">The framework refuses unknown keys inside its blocks (DeepSpeed's pydantic
    /// models forbid extras) while it ignores them at the top level; axolotl ignores them everywhere.</param>
    /// <param name="unknownKeys">Whether the framework drops or refuses an unknown top-level key.</param>
    public static IReadOnlyList<Diagnostic> Review(DocumentContext document, IEnumerable<Diagnostic> findings, KeyAnnotations annotations, string framework, bool refusesNestedUnknownKeys = false, UnknownKeyPolicy unknownKeys = UnknownKeyPolicy.Ignored)
    {
        var root = document.Tree.RootMapping;
        var result = new List<Diagnostic>();
        var removed = new List<PropertyNode>();
        foreach (var property in root?.Properties ?? [])
        {
            if (annotations.Find(property.Key.Value) is not { } annotation)
                continue;
            if (annotation.Removed is { } message && !IsOff(property.Value))
            {
                removed.Add(property);
                result.Add(Diagnostic.Error(DiagnosticCodes.RemovedKey, $"`{property.Key.Value}` is no longer accepted: {message}", property.Key.Range));
            }
            else if (annotation.Deprecated && annotation.Replacement is { } replacement)
            {
                result.Add(Deprecated(property, replacement, annotation.ReplacementValue, framework));
            }
            if (annotation.Plugin is { } plugin && !Lists(root!, plugin))
            {
                result.Add(Diagnostic.Warning(DiagnosticCodes.FrameworkWarns,
                    $"{framework} reads `{property.Key.Value}` only when `plugins:` lists {plugin}; without it the key is dropped. Add the plugin, or remove the key.",
                    property.Key.Range));
            }
        }
        foreach (var finding in findings)
        {
            if (removed.Any(p => p.Range.Contains(finding.Range.Start)))
                continue;
            result.Add(finding.Code switch
            {
                DiagnosticCodes.UnknownKey when unknownKeys == UnknownKeyPolicy.Refused && IsTopLevel(root, finding) =>
                    finding with { Message = finding.Message + $" {Capitalised(framework)} refuses keys it does not know, so the run would not start." },
                DiagnosticCodes.UnknownKey when !refusesNestedUnknownKeys || IsTopLevel(root, finding) => UnknownKey(finding, framework),
                DiagnosticCodes.NotAllowedValue => Rejected(finding, root, annotations),
                _ => finding,
            });
        }
        return result;
    }

    private static bool IsTopLevel(MappingNode? root, Diagnostic finding) =>
        root?.Properties.Any(p => p.Key.Range == finding.Range) == true;

    private static bool IsOff(SyntaxNode value) => value is ScalarNode { IsNull: true } or ScalarNode { Kind: ScalarKind.Boolean, Value: "false" or "False" or "FALSE" };

    private static bool Lists(MappingNode root, string plugin) =>
        root.Find("plugins")?.Value is SequenceNode plugins && plugins.Items.OfType<ScalarNode>().Any(p => p.Value.Trim() == plugin);

    private static Diagnostic UnknownKey(Diagnostic finding, string framework) =>
        finding.Data.ContainsKey("suggestion")
            ? finding with { Message = finding.Message + $" {Capitalised(framework)} ignores keys it does not know, so as written this setting has no effect." }
            : finding with
            {
                Severity = DiagnosticSeverity.Warning,
                Message = finding.Message + $" {Capitalised(framework)} ignores keys it does not know, so it has no effect.",
            };

    /// <summary>A refused spelling (<c>attn_implementation: flash</c>) gets the framework's own replacement as its suggestion.</summary>
    private static Diagnostic Rejected(Diagnostic finding, MappingNode? root, KeyAnnotations annotations)
    {
        foreach (var property in root?.Properties ?? [])
        {
            if (property.Value is ScalarNode value && value.Range == finding.Range
                && annotations.Find(property.Key.Value)?.RejectedValues.TryGetValue(value.Value, out var replacement) == true)
            {
                return finding with
                {
                    Message = $"`{property.Key.Value}: {value.Value}` is refused; write `{replacement}`.",
                    Data = new Dictionary<string, string>(finding.Data) { ["suggestion"] = replacement! },
                };
            }
        }
        return finding;
    }

    private static Diagnostic Deprecated(PropertyNode property, string replacement, string? replacementValue, string framework)
    {
        var turnedOn = property.Value is ScalarNode { Kind: ScalarKind.Boolean } flag && flag.AsBoolean() == true;
        var target = replacementValue is not null && turnedOn ? $"{replacement}: {replacementValue}" : replacement;
        var edit = replacementValue is not null
            ? (turnedOn ? new TextEdit(property.Range, $"{replacement}: {replacementValue}") : null)
            : new TextEdit(property.Key.Range, replacement);
        return Diagnostic.Warning(DiagnosticCodes.DeprecatedKey,
            $"`{property.Key.Value}` is deprecated: {framework} still reads it, as `{target}`. Write `{target}` instead.",
            property.Key.Range) with
        {
            Fixes = edit is null ? [] : [new CodeFix($"Change to `{target}`", [new FileEdit(null, [edit])]) { IsPreferred = true }],
        };
    }

    private static string Capitalised(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];
}
