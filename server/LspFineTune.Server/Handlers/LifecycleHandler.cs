using System.Reflection;
using LspFineTune.Server.Hosting;
using LspFineTune.Server.Protocol;
using StreamJsonRpc;

namespace LspFineTune.Server.Handlers;

/// <summary>initialize / initialized / shutdown / exit, and the settings pulled once the client is ready.</summary>
public sealed class LifecycleHandler(ServerSession session, SettingsUpdater settings, ServerLog log, bool watchClientProcess)
{
    [JsonRpcMethod("initialize", UseSingleObjectParameterDeserialization = true)]
    public InitializeResult Initialize(InitializeParams? parameters = null)
    {
        parameters ??= new InitializeParams();
        session.Initialize(ClientCapabilities.Read(parameters.Capabilities), parameters.ClientInfo?.Name);
        log.Write($"initialize from {session.ClientName} (process {parameters.ProcessId?.ToString() ?? "unknown"})");
        settings.ApplyInitializationOptions(parameters.InitializationOptions);
        settings.ApplyWorkspace(parameters.WorkspaceFolders?.FirstOrDefault()?.Uri ?? parameters.RootUri);
        if (watchClientProcess && parameters.ProcessId is { } processId && processId > 0)
            ClientProcessWatcher.Watch(processId, session, log);
        return new InitializeResult(Capabilities, new ServerInfo("lft", Version));
    }

    [JsonRpcMethod("initialized", UseSingleObjectParameterDeserialization = true)]
    public Task Initialized(object? parameters = null)
    {
        if (!session.AcceptsNotifications)
            return Task.CompletedTask;
        return settings.PullAsync();
    }

    // Params are ignored (LSP sends none); a client that sends some must still get shutdown, not InvalidParams.
    [JsonRpcMethod("shutdown", UseSingleObjectParameterDeserialization = true)]
    public object? Shutdown(object? parameters = null)
    {
        session.EnsureRunning("shutdown");
        session.ShutDown();
        log.Write("shutdown");
        return null;
    }

    // Params are ignored here too: an exit with params must not be silently dropped as an unmatched notification.
    [JsonRpcMethod("exit", UseSingleObjectParameterDeserialization = true)]
    public void Exit(object? parameters = null)
    {
        log.Write("exit");
        session.End();
    }

    public static ServerCapabilities Capabilities { get; } = new()
    {
        TextDocumentSync = new TextDocumentSyncOptions(OpenClose: true, Change: TextDocumentSyncKind.Incremental),
        HoverProvider = true,
        CompletionProvider = new CompletionOptions([":", " ", "-", "\"", "."], ResolveProvider: false),
        CodeActionProvider = new CodeActionOptions([CodeActionKind.QuickFix, CodeActionKind.ApplyPlan], ResolveProvider: false),
        CodeLensProvider = new CodeLensOptions(ResolveProvider: false),
        InlayHintProvider = new InlayHintOptions(ResolveProvider: false),
        DocumentSymbolProvider = true,
        ExecuteCommandProvider = new ExecuteCommandOptions(ExecuteCommandHandler.Commands),
    };

    private static string Version =>
        typeof(LifecycleHandler).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0] ?? "0.0.0";
}
