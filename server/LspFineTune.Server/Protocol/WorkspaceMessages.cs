using System.Text.Json;

namespace LspFineTune.Server.Protocol;

public sealed record ConfigurationItem(string? ScopeUri, string Section);

public sealed record ConfigurationParams(IReadOnlyList<ConfigurationItem> Items);

public sealed record DidChangeConfigurationParams(JsonElement? Settings = null);

public sealed record ApplyWorkspaceEditParams(string? Label, WorkspaceEdit Edit);

public sealed record ApplyWorkspaceEditResult(bool Applied, string? FailureReason = null);

public static class MessageType
{
    public const int Error = 1;
    public const int Warning = 2;
    public const int Info = 3;
    public const int Log = 4;
}

public sealed record LogMessageParams(int Type, string Message);

public sealed record ShowMessageParams(int Type, string Message);

public sealed record WorkDoneProgressCreateParams(string Token);

public sealed record ProgressParams(string Token, object Value);

public sealed record WorkDoneProgressBegin(string Title, bool Cancellable, string? Message, int? Percentage)
{
    public string Kind => "begin";
}

public sealed record WorkDoneProgressReport(string? Message, int? Percentage)
{
    public string Kind => "report";
}

public sealed record WorkDoneProgressEnd(string? Message)
{
    public string Kind => "end";
}
