using System.Text.Json;

namespace LspFineTune.Server.Protocol;

// initialize must not fail over a detail the server barely uses: these are all optional.
public sealed record ClientInfo(string? Name = null, string? Version = null);

public sealed record WorkspaceFolder(string? Uri = null, string? Name = null);

/// <summary>The client's capabilities stay raw JSON: the server reads the few it needs through <c>ClientCapabilities</c>.</summary>
public sealed record InitializeParams
{
    public int? ProcessId { get; init; }

    public ClientInfo? ClientInfo { get; init; }

    public string? RootUri { get; init; }

    public string? RootPath { get; init; }

    public JsonElement? Capabilities { get; init; }

    public JsonElement? InitializationOptions { get; init; }

    public IReadOnlyList<WorkspaceFolder>? WorkspaceFolders { get; init; }
}

public sealed record ServerInfo(string Name, string Version);

public sealed record InitializeResult(ServerCapabilities Capabilities, ServerInfo ServerInfo);

public static class TextDocumentSyncKind
{
    public const int Full = 1;
    public const int Incremental = 2;
}

public sealed record TextDocumentSyncOptions(bool OpenClose, int Change);

public sealed record CompletionOptions(IReadOnlyList<string> TriggerCharacters, bool ResolveProvider);

public sealed record CodeActionOptions(IReadOnlyList<string> CodeActionKinds, bool ResolveProvider);

public sealed record CodeLensOptions(bool ResolveProvider);

public sealed record ExecuteCommandOptions(IReadOnlyList<string> Commands);

public sealed record InlayHintOptions(bool ResolveProvider);

/// <summary>What this server implements; each entry is backed by a handler (see <c>LanguageServerHost</c>).</summary>
public sealed record ServerCapabilities
{
    public string PositionEncoding { get; init; } = "utf-16";

    public required TextDocumentSyncOptions TextDocumentSync { get; init; }

    public bool HoverProvider { get; init; }

    public CompletionOptions? CompletionProvider { get; init; }

    public CodeActionOptions? CodeActionProvider { get; init; }

    public CodeLensOptions? CodeLensProvider { get; init; }

    public InlayHintOptions? InlayHintProvider { get; init; }

    public bool DocumentSymbolProvider { get; init; }

    public ExecuteCommandOptions? ExecuteCommandProvider { get; init; }
}
