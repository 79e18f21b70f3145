using System.Text.Json;

namespace LspFineTune.Server.Hosting;

/// <summary>The few client capabilities the server adapts to, read defensively from the raw initialize params.</summary>
public sealed record ClientCapabilities
{
    /// <summary>The client answers workspace/configuration.</summary>
    public bool Configuration { get; init; }

    /// <summary>The client applies edits the server asks for (workspace/applyEdit).</summary>
    public bool ApplyEdit { get; init; }

    /// <summary>The client applies WorkspaceEdits with documentChanges and CreateFile (a fix that creates a DeepSpeed JSON).</summary>
    public bool CreateFiles { get; init; }

    /// <summary>The client accepts window/workDoneProgress/create and $/progress.</summary>
    public bool WorkDoneProgress { get; init; }

    public bool MarkdownHover { get; init; } = true;

    public bool Snippets { get; init; }

    /// <summary>The client can be asked to refresh inlay hints and code lenses when an estimate changes.</summary>
    public bool InlayHintRefresh { get; init; }

    public bool CodeLensRefresh { get; init; }

    public static ClientCapabilities Read(JsonElement? capabilities)
    {
        if (capabilities is not { ValueKind: JsonValueKind.Object } root)
            return new ClientCapabilities { MarkdownHover = false };
        return new ClientCapabilities
        {
            Configuration = Flag(root, "workspace", "configuration"),
            ApplyEdit = Flag(root, "workspace", "applyEdit"),
            CreateFiles = Flag(root, "workspace", "workspaceEdit", "documentChanges")
                && Find(root, "workspace", "workspaceEdit", "resourceOperations") is { ValueKind: JsonValueKind.Array } operations
                && operations.EnumerateArray().Any(o => o.ValueKind == JsonValueKind.String && o.ValueEquals("create")),
            WorkDoneProgress = Flag(root, "window", "workDoneProgress"),
            MarkdownHover = Find(root, "textDocument", "hover", "contentFormat") is { ValueKind: JsonValueKind.Array } formats
                && formats.EnumerateArray().Any(f => f.ValueKind == JsonValueKind.String && f.ValueEquals("markdown")),
            Snippets = Flag(root, "textDocument", "completion", "completionItem", "snippetSupport"),
            InlayHintRefresh = Flag(root, "workspace", "inlayHint", "refreshSupport"),
            CodeLensRefresh = Flag(root, "workspace", "codeLens", "refreshSupport"),
        };
    }

    private static bool Flag(JsonElement root, params string[] path) =>
        Find(root, path) is { ValueKind: JsonValueKind.True };

    private static JsonElement? Find(JsonElement element, params string[] path)
    {
        foreach (var key in path)
        {
            if (element.ValueKind != JsonValueKind.Object || !element.TryGetProperty(key, out element))
                return null;
        }
        return element;
    }
}
