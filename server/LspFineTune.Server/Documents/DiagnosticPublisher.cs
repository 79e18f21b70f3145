using LspFineTune.Server.Handlers;
using LspFineTune.Server.Hosting;
using LspFineTune.Server.Protocol;

namespace LspFineTune.Server.Documents;

/// <summary>
/// Publishes each document's diagnostics after a short quiet period (yaml-language-server's debounce): a newer
/// version cancels the pending work for the older one, and a result is only sent while its version is current,
/// so the editor never sees diagnostics of text it no longer has.
/// </summary>
public sealed class DiagnosticPublisher(DocumentStore store, LanguageClient client, ServerSession session, ServerLog log)
{
    private readonly object _gate = new();
    private readonly Dictionary<string, CancellationTokenSource> _pending = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _sending = new(1, 1);

    /// <summary>Starts (after the debounce delay) the analysis and publishing of <paramref name="snapshot"/>.</summary>
    /// <remarks>
    /// Edits (on the message queue) and new settings (after a workspace/configuration reply, on the thread pool) both
    /// replace snapshots and schedule them. Only the store's current snapshot may take the pending slot, so a late
    /// call for a replaced snapshot can never cancel the work for its replacement.
    /// </remarks>
    public void Schedule(DocumentSnapshot snapshot, bool immediately = false)
    {
        var cancellation = new CancellationTokenSource();
        lock (_gate)
        {
            if (!store.IsCurrent(snapshot))
            {
                cancellation.Dispose();
                return;
            }
            if (_pending.Remove(snapshot.Uri, out var previous))
                previous.Cancel();
            _pending[snapshot.Uri] = cancellation;
        }
        var delay = immediately ? 0 : session.Settings.DiagnosticsDelayMs;
        _ = PublishAsync(snapshot, delay, cancellation);
    }

    /// <summary>Clears a closed document's diagnostics (the client keeps them otherwise).</summary>
    public async Task ClearAsync(string uri)
    {
        lock (_gate)
        {
            if (_pending.Remove(uri, out var previous))
                previous.Cancel();
        }
        await _sending.WaitAsync().ConfigureAwait(false);
        try
        {
            await client.PublishDiagnosticsAsync(new PublishDiagnosticsParams(uri, null, [])).ConfigureAwait(false);
        }
        finally
        {
            _sending.Release();
        }
    }

    private async Task PublishAsync(DocumentSnapshot snapshot, int delayMs, CancellationTokenSource cancellation)
    {
        var token = cancellation.Token;
        try
        {
            if (delayMs > 0)
                await Task.Delay(delayMs, token).ConfigureAwait(false);
            var analysis = await snapshot.GetAnalysisAsync(token).ConfigureAwait(false);
            var diagnostics = PublishedDiagnostics.For(analysis, snapshot.Uri);
            await _sending.WaitAsync(token).ConfigureAwait(false);
            try
            {
                if (token.IsCancellationRequested || !store.IsCurrent(snapshot))
                    return;
                await client.PublishDiagnosticsAsync(new PublishDiagnosticsParams(snapshot.Uri, snapshot.Version, diagnostics)).ConfigureAwait(false);
            }
            finally
            {
                _sending.Release();
            }
        }
        catch (OperationCanceledException)
        {
            // A newer version or a close superseded this one.
        }
        catch (Exception e)
        {
            log.Write($"publishing diagnostics for {snapshot.Uri} v{snapshot.Version} failed: {e}");
        }
        finally
        {
            lock (_gate)
            {
                if (_pending.TryGetValue(snapshot.Uri, out var current) && current == cancellation)
                    _pending.Remove(snapshot.Uri);
            }
            cancellation.Dispose();
        }
    }
}
