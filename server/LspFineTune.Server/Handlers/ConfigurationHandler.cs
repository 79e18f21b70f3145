using LspFineTune.Server.Hosting;
using LspFineTune.Server.Protocol;
using StreamJsonRpc;

namespace LspFineTune.Server.Handlers;

/// <summary>workspace/didChangeConfiguration: the editor's lft.* settings changed.</summary>
public sealed class ConfigurationHandler(ServerSession session, SettingsUpdater settings)
{
    [JsonRpcMethod("workspace/didChangeConfiguration", UseSingleObjectParameterDeserialization = true)]
    public Task DidChangeConfiguration(DidChangeConfigurationParams? parameters = null) =>
        session.AcceptsNotifications ? settings.PushedAsync(parameters?.Settings) : Task.CompletedTask;
}
