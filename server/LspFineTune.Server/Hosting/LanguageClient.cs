using System.Text.Json;
using LspFineTune.Server.Protocol;
using StreamJsonRpc;

namespace LspFineTune.Server.Hosting;

/// <summary>
/// What the server sends to the editor: notifications and the few server-to-client requests. A client that has gone
/// away makes these no-ops (the host then exits), never exceptions in a handler.
/// </summary>
public sealed class LanguageClient(JsonRpc rpc, ServerLog log)
{
    public Task PublishDiagnosticsAsync(PublishDiagnosticsParams diagnostics) =>
        NotifyAsync("textDocument/publishDiagnostics", diagnostics);

    /// <summary>window/logMessage (not also stderr: editors show both in the same place, twice).</summary>
    public Task LogMessageAsync(int type, string message) =>
        NotifyAsync("window/logMessage", new LogMessageParams(type, message));

    public Task ShowMessageAsync(int type, string message) =>
        NotifyAsync("window/showMessage", new ShowMessageParams(type, message));

    /// <summary>workspace/configuration for one section; null when the client has nothing or does not answer.</summary>
    public async Task<JsonElement?> GetConfigurationAsync(string section, CancellationToken cancellationToken)
    {
        try
        {
            var result = await rpc.InvokeWithParameterObjectAsync<JsonElement>(
                "workspace/configuration", new ConfigurationParams([new ConfigurationItem(null, section)]), cancellationToken).ConfigureAwait(false);
            return result.ValueKind == JsonValueKind.Array && result.GetArrayLength() > 0 ? result[0] : null;
        }
        catch (Exception e) when (e is RemoteInvocationException or ConnectionLostException or ObjectDisposedException or JsonException)
        {
            log.Write($"workspace/configuration failed: {e.Message}");
            return null;
        }
    }

    public async Task<ApplyWorkspaceEditResult?> ApplyEditAsync(string label, WorkspaceEdit edit, CancellationToken cancellationToken)
    {
        try
        {
            return await rpc.InvokeWithParameterObjectAsync<ApplyWorkspaceEditResult>(
                "workspace/applyEdit", new ApplyWorkspaceEditParams(label, edit), cancellationToken).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RemoteInvocationException or ConnectionLostException or ObjectDisposedException or JsonException)
        {
            log.Write($"workspace/applyEdit failed: {e.Message}");
            return null;
        }
    }

    /// <summary>Asks the client to re-request a feature whose results changed without an edit (new settings).</summary>
    public async Task RefreshAsync(string method)
    {
        try
        {
            await rpc.InvokeWithParameterObjectAsync<JsonElement?>(method, null).ConfigureAwait(false);
        }
        catch (Exception e) when (e is RemoteInvocationException or ConnectionLostException or ObjectDisposedException or JsonException)
        {
            log.Write($"{method} failed: {e.Message}");
        }
    }

    public async Task<bool> CreateProgressAsync(string token, CancellationToken cancellationToken)
    {
        try
        {
            await rpc.InvokeWithParameterObjectAsync<JsonElement?>("window/workDoneProgress/create", new WorkDoneProgressCreateParams(token), cancellationToken).ConfigureAwait(false);
            return true;
        }
        catch (Exception e) when (e is RemoteInvocationException or ConnectionLostException or ObjectDisposedException or JsonException)
        {
            log.Write($"window/workDoneProgress/create failed: {e.Message}");
            return false;
        }
    }

    /// <summary>$/progress with LSP's named {token, value} (StreamJsonRpc's own IProgress sends positional params).</summary>
    public Task ProgressAsync(string token, object value) =>
        NotifyAsync("$/progress", new ProgressParams(token, value));

    private async Task NotifyAsync(string method, object parameters)
    {
        try
        {
            await rpc.NotifyWithParameterObjectAsync(method, parameters).ConfigureAwait(false);
        }
        catch (Exception e) when (e is ConnectionLostException or ObjectDisposedException)
        {
            // The editor is gone; the host notices the closed stream and exits.
        }
    }
}
