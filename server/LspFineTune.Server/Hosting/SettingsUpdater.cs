using System.Text.Json;
using LspFineTune.Server.Documents;
using LspFineTune.Server.Protocol;

namespace LspFineTune.Server.Hosting;

/// <summary>
/// Keeps <see cref="ServerSession.Settings"/> in step with the editor: initializationOptions first, then
/// workspace/configuration (pulled after initialized and on every didChangeConfiguration, as VS Code expects),
/// or the settings pushed in didChangeConfiguration by clients without configuration support.
/// A change re-analyses every open document and republishes its diagnostics.
/// </summary>
public sealed class SettingsUpdater(ServerSession session, DocumentStore store, LanguageClient client, Func<DiagnosticPublisher> publisher)
{
    public void ApplyInitializationOptions(JsonElement? options)
    {
        if (Apply(options, "initializationOptions"))
            store.Reconfigure(session.Settings.ToAnalysisOptions());
    }

    /// <summary>The workspace folder from initialize (rootUri or the first workspace folder): relative paths in configs resolve against it.</summary>
    public void ApplyWorkspace(string? folderUri)
    {
        if (folderUri is not null && Documents.DocumentUris.ToFilePath(folderUri) is { } folder)
        {
            session.Settings = session.Settings with { WorkspaceFolder = folder };
            store.Reconfigure(session.Settings.ToAnalysisOptions());
        }
    }

    public async Task PullAsync()
    {
        if (!session.Capabilities.Configuration)
            return;
        var settings = await client.GetConfigurationAsync(ServerSettings.Section, CancellationToken.None).ConfigureAwait(false);
        await ApplyAsync(settings, "workspace/configuration").ConfigureAwait(false);
    }

    public Task PushedAsync(JsonElement? settings) =>
        session.Capabilities.Configuration ? PullAsync() : ApplyAsync(settings, "didChangeConfiguration");

    private async Task ApplyAsync(JsonElement? json, string origin)
    {
        if (!Apply(json, origin))
            return;
        foreach (var snapshot in store.Reconfigure(session.Settings.ToAnalysisOptions()))
            publisher().Schedule(snapshot, immediately: true);
        if (session.Capabilities.InlayHintRefresh)
            await client.RefreshAsync("workspace/inlayHint/refresh").ConfigureAwait(false);
        if (session.Capabilities.CodeLensRefresh)
            await client.RefreshAsync("workspace/codeLens/refresh").ConfigureAwait(false);
    }

    /// <summary>Applies settings; true when they changed anything.</summary>
    private bool Apply(JsonElement? json, string origin)
    {
        var problems = new List<string>();
        var before = session.Settings;
        var after = ServerSettings.Read(json, before, problems);
        foreach (var problem in problems)
            _ = client.ShowMessageAsync(MessageType.Warning, $"LspFineTune: {problem} (from {origin})");
        if (after == before)
            return false;
        session.Settings = after;
        return true;
    }
}
