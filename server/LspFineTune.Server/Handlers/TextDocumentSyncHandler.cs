using LspFineTune.Server.Documents;
using LspFineTune.Server.Hosting;
using LspFineTune.Server.Protocol;
using StreamJsonRpc;

namespace LspFineTune.Server.Handlers;

/// <summary>
/// didOpen / didChange / didClose. The host runs these one at a time in arrival order, so the store always holds
/// the text the editor has; each new version schedules (debounced) diagnostics. Notifications have no reply, so a
/// change the server must drop (unknown document, old version) is reported in the log and the editor's log view.
/// </summary>
public sealed class TextDocumentSyncHandler(ServerSession session, DocumentStore store, DiagnosticPublisher publisher, LanguageClient client)
{
    [JsonRpcMethod("textDocument/didOpen", UseSingleObjectParameterDeserialization = true)]
    public void DidOpen(DidOpenTextDocumentParams? parameters = null)
    {
        if (!session.AcceptsNotifications)
            return;
        if (parameters?.TextDocument is not { Uri: { } uri } document)
        {
            _ = WithoutParamsAsync("textDocument/didOpen");
            return;
        }
        publisher.Schedule(store.Open(uri, document.Version, document.Text), immediately: true);
        RefreshReferrers(uri);
    }

    /// <summary>Configs that read this document as a companion file are analysed again with its new text.</summary>
    private void RefreshReferrers(string uri)
    {
        foreach (var referrer in store.RefreshReferrers(uri))
            publisher.Schedule(referrer);
    }

    [JsonRpcMethod("textDocument/didChange", UseSingleObjectParameterDeserialization = true)]
    public void DidChange(DidChangeTextDocumentParams? parameters = null)
    {
        if (!session.AcceptsNotifications)
            return;
        if (parameters?.TextDocument is not { Uri: { } uri } document)
        {
            _ = WithoutParamsAsync("textDocument/didChange");
            return;
        }
        var changes = (parameters.ContentChanges ?? []).Where(c => c is not null).ToList();
        var (outcome, snapshot) = store.Change(uri, document.Version, text => TextChanges.Apply(text, changes));
        switch (outcome)
        {
            case ChangeOutcome.Applied:
                publisher.Schedule(snapshot!);
                RefreshReferrers(uri);
                break;
            case ChangeOutcome.UnknownDocument:
                _ = client.LogMessageAsync(MessageType.Warning, $"didChange for {uri}, which is not open: ignored (send didOpen first).");
                break;
            case ChangeOutcome.StaleVersion:
                _ = client.LogMessageAsync(MessageType.Warning, $"didChange for {uri} at version {document.Version}, not after the current {snapshot!.Version}: ignored.");
                break;
        }
    }

    [JsonRpcMethod("textDocument/didClose", UseSingleObjectParameterDeserialization = true)]
    public Task DidClose(DidCloseTextDocumentParams? parameters = null)
    {
        if (!session.AcceptsNotifications)
            return Task.CompletedTask;
        if (parameters?.TextDocument is not { Uri: { } uri })
            return WithoutParamsAsync("textDocument/didClose");
        if (!store.Close(uri))
            return client.LogMessageAsync(MessageType.Warning, $"didClose for {uri}, which is not open: ignored.");
        RefreshReferrers(uri);
        return publisher.ClearAsync(uri);
    }

    /// <summary>Params that bind but say nothing (absent): the editor's log view is told, as for any dropped notification.</summary>
    private Task WithoutParamsAsync(string method) =>
        client.LogMessageAsync(MessageType.Warning, $"{method} was ignored: it came without params, so it names no document.");

    [JsonRpcMethod("textDocument/didSave", UseSingleObjectParameterDeserialization = true)]
    public void DidSave(DidSaveTextDocumentParams? parameters = null)
    {
        // Nothing to do: the analysis follows the editor's buffers (companion files included), not the files on disk.
    }
}
