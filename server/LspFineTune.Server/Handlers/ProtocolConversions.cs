using System.Text.Json.Nodes;
using LspFineTune.Core.Dialects;
using LspFineTune.Core.Editing;
using LspFineTune.Core.Text;
using LspFineTune.Server.Hosting;
using LspFineTune.Server.Protocol;
using CoreDiagnostic = LspFineTune.Core.Diagnostics.Diagnostic;

namespace LspFineTune.Server.Handlers;

/// <summary>Core results as protocol types. Core positions are already zero-based UTF-16, as LSP counts.</summary>
public static class ProtocolConversions
{
    /// <summary>Where each code is explained (README, "Diagnostic codes").</summary>
    public const string DiagnosticCodesUrl = "https://github.com/lspfinetune/lspfinetune#diagnostic-codes";

    public const string Source = "lft";

    public static Position ToPosition(TextPosition position) => new(position.Line, position.Character);

    public static LspRange ToRange(TextRange range) => new(ToPosition(range.Start), ToPosition(range.End));

    public static TextPosition ToTextPosition(Position position) => new(position.Line, position.Character);

    public static LspTextEdit ToEdit(TextEdit edit) => new(ToRange(edit.Range), edit.NewText);

    public static LspDiagnostic ToDiagnostic(CoreDiagnostic diagnostic, string uri)
    {
        var data = new JsonObject { ["code"] = diagnostic.Code };
        foreach (var (key, value) in diagnostic.Data)
            data[key] = value;
        return new LspDiagnostic
        {
            Range = ToRange(diagnostic.Range),
            Severity = (int)diagnostic.Severity,
            Code = diagnostic.Code,
            CodeDescription = new CodeDescription(DiagnosticCodesUrl),
            Source = Source,
            Message = diagnostic.Message,
            RelatedInformation = diagnostic.Related.Count == 0
                ? null
                : diagnostic.Related.Select(r => new DiagnosticRelatedInformation(new Location(r.FilePath is { } path ? new Uri(path).AbsoluteUri : uri, ToRange(r.Range)), r.Message)).ToList(),
            Data = LspJson.ToElement(data),
        };
    }

    /// <summary>One document's edits.</summary>
    public static WorkspaceEdit ToWorkspaceEdit(string uri, int version, IEnumerable<TextEdit> edits) =>
        ToWorkspaceEdit(uri, version, [new FileEdit(null, edits.ToList())]);

    /// <summary>
    /// Edits to the document (<see cref="FileEdit.FilePath"/> null) and to companion files. Plain <c>changes</c> by URI
    /// unless a file is created; then ordered <c>documentChanges</c>: the create, then its content.
    /// </summary>
    public static WorkspaceEdit ToWorkspaceEdit(string uri, int version, IReadOnlyList<FileEdit> edits)
    {
        string UriOf(FileEdit edit) => edit.FilePath is { } path ? new Uri(path).AbsoluteUri : uri;
        if (!edits.Any(e => e.CreatesFile))
        {
            var changes = new Dictionary<string, IReadOnlyList<LspTextEdit>>();
            foreach (var edit in edits)
                changes[UriOf(edit)] = [.. (changes.TryGetValue(UriOf(edit), out var earlier) ? earlier : []), .. edit.Edits.Select(ToEdit)];
            return new WorkspaceEdit { Changes = changes };
        }
        var documentChanges = new List<object>();
        foreach (var edit in edits)
        {
            if (edit.CreatesFile)
                documentChanges.Add(new CreateFile(UriOf(edit), new CreateFileOptions(Overwrite: false, IgnoreIfExists: true)));
            documentChanges.Add(new TextDocumentEdit(new OptionalVersionedTextDocumentIdentifier(UriOf(edit), edit.FilePath is null ? version : null), edit.Edits.Select(ToEdit).ToList()));
        }
        return new WorkspaceEdit { DocumentChanges = documentChanges };
    }
}
