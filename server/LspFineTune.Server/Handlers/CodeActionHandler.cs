using LspFineTune.Core;
using LspFineTune.Core.Advice;
using LspFineTune.Core.Diagnostics;
using LspFineTune.Core.Editing;
using LspFineTune.Core.Syntax;
using LspFineTune.Core.Text;
using LspFineTune.Server.Documents;
using LspFineTune.Server.Protocol;
using StreamJsonRpc;
using CoreDiagnostic = LspFineTune.Core.Diagnostics.Diagnostic;
using CoreTextEdit = LspFineTune.Core.Editing.TextEdit;

namespace LspFineTune.Server.Handlers;

/// <summary>
/// textDocument/codeAction. Quick fixes for the diagnostics under the cursor, each estimated and titled with what it
/// reaches (the fastest that fits is preferred), did-you-mean fixes for schema errors, and the source action
/// "Apply the fastest plan that fits" (when the client asks for source actions). The diagnostics are the server's
/// own for the current version, matched by range: clients echo them back differently (Neovim 0.7 drops their
/// ranges), so the context is only a hint.
/// </summary>
public sealed class CodeActionHandler(DocumentRequests requests)
{
    private const string Method = "textDocument/codeAction";

    [JsonRpcMethod(Method, UseSingleObjectParameterDeserialization = true)]
    public async Task<IReadOnlyList<CodeAction>> CodeActions(CodeActionParams? parameters, CancellationToken cancellationToken)
    {
        var snapshot = requests.Snapshot(Method, parameters?.TextDocument);
        if (snapshot is null)
            return [];
        var requested = parameters!.Range ?? throw Hosting.LspException.InvalidParams($"{Method}: params.range is missing.");
        var range = new TextRange(
            ProtocolConversions.ToTextPosition(snapshot.Lines.Clamp(requested.Start ?? new Position(0, 0))),
            ProtocolConversions.ToTextPosition(snapshot.Lines.Clamp(requested.End ?? requested.Start ?? new Position(0, 0))));
        var only = parameters.Context?.Only;
        var analysis = await snapshot.GetAnalysisAsync(cancellationToken).ConfigureAwait(false);
        var actions = new List<CodeAction>();

        if (Wants(only, CodeActionKind.QuickFix))
        {
            foreach (var diagnostic in analysis.Diagnostics.Where(d => Overlaps(d.Range, range)))
            {
                cancellationToken.ThrowIfCancellationRequested();
                actions.AddRange(QuickFixesFor(diagnostic, snapshot, analysis));
            }
        }
        // The plan search costs a few hundred estimates, and clients show source actions only where they ask for them
        // by kind (VS Code's Source Action menu, code-actions-on-save), so it runs only then (LSP: "servers can omit
        // computing" kinds not in `only`).
        if (only is { Count: > 0 } && Wants(only, CodeActionKind.ApplyPlan))
        {
            if (snapshot.FastestPlan?.Best is { } best)
                actions.Add(Action(best.Title, CodeActionKind.ApplyPlan, snapshot, analysis.Tree, best.Changes, null, preferred: false));
        }
        return actions;
    }

    private static IEnumerable<CodeAction> QuickFixesFor(CoreDiagnostic diagnostic, DocumentSnapshot snapshot, ConfigAnalysis analysis)
    {
        var tree = analysis.Tree;
        switch (diagnostic.Code)
        {
            case DiagnosticCodes.OutOfMemory or DiagnosticCodes.NearMemoryLimit when analysis.Estimate is { } estimate:
                var fixes = snapshot.QuickFixes;
                foreach (var fix in fixes)
                    yield return Action(fix.Title, CodeActionKind.QuickFix, snapshot, tree, fix.Changes, diagnostic, fix.IsPreferred);
                // When no single change fits, the search's combination is the fix to offer.
                if (!estimate.Memory.Fits && !fixes.Any(f => f.Result.Memory.Fits) && snapshot.FastestPlan?.Best is { } plan)
                    yield return Action(plan.Title, CodeActionKind.QuickFix, snapshot, tree, plan.Changes, diagnostic, preferred: true);
                break;
            case DiagnosticCodes.UnknownKey when diagnostic.Data.TryGetValue("suggestion", out var key):
                if (FindScalar(tree, diagnostic.Range) is { } unknownKey)
                    yield return Replace($"Change to `{key}`", snapshot, unknownKey, key, diagnostic);
                break;
            case DiagnosticCodes.NotAllowedValue when diagnostic.Data.TryGetValue("suggestion", out var value):
                if (FindScalar(tree, diagnostic.Range) is { } badValue)
                    yield return Replace($"Change to `{value}`", snapshot, badValue, value, diagnostic);
                break;
            case DiagnosticCodes.Bf16Unsupported or DiagnosticCodes.Fp16OnCpu when diagnostic.Data.TryGetValue("suggestion", out var dtype):
                yield return Action($"Use {dtype} weights", CodeActionKind.QuickFix, snapshot, tree, [new ConfigChange("model.dtype", dtype)], diagnostic, preferred: true);
                break;
            case DiagnosticCodes.FlashAttentionUnsupported when diagnostic.Data.TryGetValue("suggestion", out var attention):
                yield return Action($"Use {attention} attention", CodeActionKind.QuickFix, snapshot, tree, [new ConfigChange("training.attention", attention)], diagnostic, preferred: true);
                break;
        }
    }

    private static CodeAction Action(string title, string kind, DocumentSnapshot snapshot, ConfigSyntaxTree tree, IReadOnlyList<ConfigChange> changes, CoreDiagnostic? diagnostic, bool preferred) => new()
    {
        Title = title,
        Kind = kind,
        IsPreferred = preferred ? true : null,
        Diagnostics = diagnostic is null ? null : [ProtocolConversions.ToDiagnostic(diagnostic, snapshot.Uri)],
        Edit = ProtocolConversions.ToWorkspaceEdit(snapshot.Uri, snapshot.Version, ConfigEditor.ToTextEdits(tree, changes)),
    };

    /// <summary>Replaces a key or value with the suggested text, keeping the quoting it was written with.</summary>
    private static CodeAction Replace(string title, DocumentSnapshot snapshot, ScalarNode scalar, string replacement, CoreDiagnostic diagnostic)
    {
        var text = scalar.Style switch
        {
            ScalarStyle.DoubleQuoted => "\"" + replacement + "\"",
            ScalarStyle.SingleQuoted => "'" + replacement + "'",
            _ => replacement,
        };
        return new CodeAction
        {
            Title = title,
            Kind = CodeActionKind.QuickFix,
            IsPreferred = true,
            Diagnostics = [ProtocolConversions.ToDiagnostic(diagnostic, snapshot.Uri)],
            Edit = ProtocolConversions.ToWorkspaceEdit(snapshot.Uri, snapshot.Version, [new CoreTextEdit(scalar.Range, text)]),
        };
    }

    /// <summary>The key or scalar value a diagnostic was reported on.</summary>
    private static ScalarNode? FindScalar(ConfigSyntaxTree tree, TextRange range)
    {
        if (tree.RootMapping is not { } root)
            return null;
        var pending = new Stack<MappingNode>([root]);
        while (pending.Count > 0)
        {
            foreach (var property in pending.Pop().Properties)
            {
                if (property.Key.Range == range)
                    return property.Key;
                if (property.Value is ScalarNode value && value.Range == range)
                    return value;
                if (property.Value is MappingNode child)
                    pending.Push(child);
            }
        }
        return null;
    }

    private static bool Wants(IReadOnlyList<string>? only, string kind) =>
        only is null || only.Count == 0 || only.Any(o => kind == o || kind.StartsWith(o + ".", StringComparison.Ordinal));

    /// <summary>Ranges touch or overlap (a cursor at either end of a diagnostic counts, as editors expect).</summary>
    private static bool Overlaps(TextRange a, TextRange b) => a.Start <= b.End && b.Start <= a.End;
}
