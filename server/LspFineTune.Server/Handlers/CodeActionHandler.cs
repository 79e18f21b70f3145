using LspFineTune.Core;
using LspFineTune.Core.Diagnostics;
using LspFineTune.Core.Dialects;
using LspFineTune.Core.Text;
using LspFineTune.Server.Documents;
using LspFineTune.Server.Protocol;
using StreamJsonRpc;
using CoreDiagnostic = LspFineTune.Core.Diagnostics.Diagnostic;

namespace LspFineTune.Server.Handlers;

/// <summary>
/// textDocument/codeAction. Quick fixes for the diagnostics under the cursor, each estimated and titled with what it
/// reaches (the fastest that fits is preferred), did-you-mean fixes for schema errors, and the source action
/// "Apply the fastest plan that fits" (when the client asks for source actions). Core makes every fix with its
/// finding; this handler only maps them. The diagnostics are the server's own for the current version, matched by
/// range: clients echo them back differently (Neovim 0.7 drops their ranges), so the context is only a hint.
/// </summary>
public sealed class CodeActionHandler(DocumentRequests requests)
{
    private const string Method = "textDocument/codeAction";

    [JsonRpcMethod(Method, UseSingleObjectParameterDeserialization = true)]
    public async Task<IReadOnlyList<CodeAction>> CodeActions(CodeActionParams? parameters = null, CancellationToken cancellationToken = default)
    {
        if (await requests.AnalyzedAsync(Method, parameters?.TextDocument, cancellationToken).ConfigureAwait(false) is not (var snapshot, var analysis))
            return [];
        var requested = parameters!.Range ?? throw Hosting.LspException.InvalidParams($"{Method}: params.range is missing.");
        var range = new TextRange(
            ProtocolConversions.ToTextPosition(snapshot.Lines.Clamp(requested.Start)),
            ProtocolConversions.ToTextPosition(snapshot.Lines.Clamp(requested.End)));
        var only = parameters.Context?.Only;
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
            if (snapshot.FastestPlan?.Best is { } best && analysis.Write(best.Changes) is var edits
                && (requests.Session.Capabilities.CreateFiles || !edits.Any(e => e.CreatesFile)))
                actions.Add(Action(best.Title, CodeActionKind.ApplyPlan, snapshot, edits, null, preferred: false));
        }
        return actions;
    }

    /// <summary>The fixes Core made with the finding; for an out-of-memory finding that no single fix clears, also the
    /// plan search's combination.</summary>
    private IEnumerable<CodeAction> QuickFixesFor(CoreDiagnostic diagnostic, DocumentSnapshot snapshot, ConfigAnalysis analysis)
    {
        // A fix that creates a file (a new DeepSpeed JSON) needs documentChanges with CreateFile; a client without
        // them would drop or half-apply it, so it is not offered there.
        var createFiles = requests.Session.Capabilities.CreateFiles;
        foreach (var fix in diagnostic.Fixes.Where(f => createFiles || !f.Edits.Any(e => e.CreatesFile)))
            yield return Action(fix.Title, CodeActionKind.QuickFix, snapshot, fix.Edits, diagnostic, fix.IsPreferred);
        if (diagnostic.Code == DiagnosticCodes.OutOfMemory && analysis.Estimate is { Memory.Fits: false }
            && !diagnostic.Fixes.Any(f => f.Result?.Memory.Fits == true) && snapshot.FastestPlan?.Best is { } plan
            && analysis.Write(plan.Changes) is var planEdits && (createFiles || !planEdits.Any(e => e.CreatesFile)))
            yield return Action(plan.Title, CodeActionKind.QuickFix, snapshot, planEdits, diagnostic, preferred: true);
    }

    private static CodeAction Action(string title, string kind, DocumentSnapshot snapshot, IReadOnlyList<FileEdit> edits, CoreDiagnostic? diagnostic, bool preferred) => new()
    {
        Title = title,
        Kind = kind,
        IsPreferred = preferred ? true : null,
        Diagnostics = diagnostic is null ? null : [ProtocolConversions.ToDiagnostic(diagnostic, snapshot.Uri)],
        Edit = ProtocolConversions.ToWorkspaceEdit(snapshot.Uri, snapshot.Version, edits),
    };

    private static bool Wants(IReadOnlyList<string>? only, string kind) =>
        only is null || only.Count == 0 || only.Any(o => kind == o || kind.StartsWith(o + ".", StringComparison.Ordinal));

    /// <summary>Ranges touch or overlap (a cursor at either end of a diagnostic counts, as editors expect).</summary>
    private static bool Overlaps(TextRange a, TextRange b) => a.Start <= b.End && b.Start <= a.End;
}
