using System.Text.Json;

namespace LspFineTune.Server.Protocol;

public sealed record Hover(MarkupContent Contents, LspRange? Range);

/// <summary>LSP requires <see cref="Range"/>; without one the server answers for the whole document.</summary>
public sealed record InlayHintParams(TextDocumentIdentifier? TextDocument = null, LspRange? Range = null);

public static class InlayHintKind
{
    public const int Type = 1;
    public const int Parameter = 2;
}

public sealed record InlayHint
{
    public required Position Position { get; init; }

    public required string Label { get; init; }

    public int? Kind { get; init; }

    public MarkupContent? Tooltip { get; init; }

    public bool? PaddingLeft { get; init; }

    public bool? PaddingRight { get; init; }
}

public sealed record CodeLensParams(TextDocumentIdentifier? TextDocument = null);

public sealed record CodeLens(LspRange Range, LspCommand? Command);

public static class CodeActionKind
{
    public const string QuickFix = "quickfix";
    public const string Source = "source";
    /// <summary>"Apply the fastest plan that fits": a whole-document source action.</summary>
    public const string ApplyPlan = "source.lft.applyPlan";
}

/// <summary>
/// The client's view of the diagnostics at the range stays raw JSON: clients echo them back in different shapes
/// (Neovim 0.7 without ranges), and the server matches its own diagnostics by range instead.
/// </summary>
public sealed record CodeActionContext(IReadOnlyList<JsonElement>? Diagnostics = null, IReadOnlyList<string>? Only = null);

public sealed record CodeActionParams(TextDocumentIdentifier? TextDocument = null, LspRange? Range = null, CodeActionContext? Context = null);

public sealed record CodeAction
{
    public required string Title { get; init; }

    public string? Kind { get; init; }

    public IReadOnlyList<LspDiagnostic>? Diagnostics { get; init; }

    public bool? IsPreferred { get; init; }

    public WorkspaceEdit? Edit { get; init; }

    public LspCommand? Command { get; init; }
}

public static class CompletionItemKind
{
    public const int Module = 9;
    public const int Property = 10;
    public const int Value = 12;
    public const int Enum = 13;
    public const int Snippet = 15;
    public const int EnumMember = 20;
}

public static class InsertTextFormat
{
    public const int PlainText = 1;
    public const int Snippet = 2;
}

public sealed record CompletionParams(TextDocumentIdentifier? TextDocument = null, Position? Position = null);

public sealed record CompletionItem
{
    public required string Label { get; init; }

    public int? Kind { get; init; }

    public string? Detail { get; init; }

    public MarkupContent? Documentation { get; init; }

    public string? SortText { get; init; }

    public string? FilterText { get; init; }

    public int? InsertTextFormat { get; init; }

    public LspTextEdit? TextEdit { get; init; }

    public bool? Preselect { get; init; }
}

public sealed record CompletionList(bool IsIncomplete, IReadOnlyList<CompletionItem> Items);

public sealed record DocumentSymbolParams(TextDocumentIdentifier? TextDocument = null);

public static class SymbolKind
{
    public const int Module = 2;
    public const int Namespace = 3;
    public const int Property = 7;
    public const int Array = 18;
    public const int Key = 20;
}

public sealed record DocumentSymbol
{
    public required string Name { get; init; }

    public string? Detail { get; init; }

    public required int Kind { get; init; }

    public required LspRange Range { get; init; }

    public required LspRange SelectionRange { get; init; }

    public IReadOnlyList<DocumentSymbol>? Children { get; init; }
}

/// <summary><see cref="WorkDoneToken"/>: a progress token the client created itself (client-initiated progress).</summary>
public sealed record ExecuteCommandParams(string? Command = null, IReadOnlyList<JsonElement>? Arguments = null, JsonElement? WorkDoneToken = null);
