using LspFineTune.Core.Estimation;

namespace LspFineTune.Core.Dialects;

/// <summary>
/// A fix made where its finding is made (Bicep's CodeFix): a title, the edits in the document's own dialect (possibly
/// in a companion file) and, for fixes that change the plan, the changes and the estimate they reach.
/// Front ends only map it: the code-action handler to a WorkspaceEdit, <c>lft plan</c> to its edit list.
/// </summary>
public sealed record CodeFix(string Title, IReadOnlyList<FileEdit> Edits)
{
    public bool IsPreferred { get; init; }

    public IReadOnlyList<PlanChange> Changes { get; init; } = [];

    public Estimate? Result { get; init; }
}
