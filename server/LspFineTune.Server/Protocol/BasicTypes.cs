using System.Text.Json;

namespace LspFineTune.Server.Protocol;

// The LSP 3.17 base structures this server uses. Names follow the specification; types that would clash with
// System.Range or Core's own Diagnostic/TextEdit carry an Lsp prefix. Reading params (see LspJson): a constructor
// parameter without a default is required, and one that is not nullable must not be null, so a partial range is an
// InvalidParams error that names the missing field. A field the handler checks itself (to say more than "missing")
// is nullable with a default; so is every field the server does not need.

/// <summary>Zero-based line and UTF-16 character offset.</summary>
public sealed record Position(int Line, int Character);

public sealed record LspRange(Position Start, Position End);

public sealed record Location(string Uri, LspRange Range);

public sealed record TextDocumentIdentifier(string Uri);

public sealed record VersionedTextDocumentIdentifier(string Uri, int Version);

public sealed record TextDocumentItem(string Uri, int Version, string Text, string? LanguageId = null);

public sealed record TextDocumentPositionParams(TextDocumentIdentifier? TextDocument = null, Position? Position = null);

public sealed record LspTextEdit(LspRange Range, string NewText);

/// <summary>LSP requires <c>version</c> to be present (null for a document the server has no version of, such as a file a
/// fix creates); vscode-languageclient refuses the edit when it is missing.</summary>
public sealed record OptionalVersionedTextDocumentIdentifier(string Uri, [property: System.Text.Json.Serialization.JsonIgnore(Condition = System.Text.Json.Serialization.JsonIgnoreCondition.Never)] int? Version);

public sealed record TextDocumentEdit(OptionalVersionedTextDocumentIdentifier TextDocument, IReadOnlyList<LspTextEdit> Edits);

/// <summary>Edits by document; <see cref="DocumentChanges"/> (<see cref="TextDocumentEdit"/>s and <see cref="CreateFile"/>s,
/// in order) is used when an edit creates a file, such as a companion DeepSpeed JSON.</summary>
public sealed record WorkspaceEdit
{
    public IReadOnlyDictionary<string, IReadOnlyList<LspTextEdit>>? Changes { get; init; }

    public IReadOnlyList<object>? DocumentChanges { get; init; }
}

public sealed record CreateFileOptions(bool Overwrite, bool IgnoreIfExists);

/// <summary>LSP's CreateFile resource operation.</summary>
public sealed record CreateFile(string Uri, CreateFileOptions? Options)
{
    public string Kind => "create";
}

public static class MarkupKind
{
    public const string PlainText = "plaintext";
    public const string Markdown = "markdown";
}

public sealed record MarkupContent(string Kind, string Value);

/// <summary>A command the client shows (code lens, code action) and sends back through workspace/executeCommand.</summary>
public sealed record LspCommand(string Title, string Command, IReadOnlyList<JsonElement>? Arguments = null);

/// <summary>Request ids and error codes of JSON-RPC and LSP.</summary>
public static class LspErrorCodes
{
    public const int InvalidParams = -32602;
    public const int InternalError = -32603;
    public const int ServerNotInitialized = -32002;
    public const int InvalidRequest = -32600;
    public const int RequestFailed = -32803;
    public const int ContentModified = -32801;
    public const int RequestCancelled = -32800;

    /// <summary>
    /// lft.train found no trainer anywhere it looks (LFT_TRAIN_DLL unset, none next to the server, no checkout), so an
    /// editor may offer to install one (VS Code: LspFineTune.Train on first use) and start the server again with it.
    /// Application-defined: outside JSON-RPC's reserved -32768..-32000 and LSP's -32899..-32800.
    /// </summary>
    public const int TrainerNotFound = -31001;
}
