using System.Collections.Concurrent;
using LspFineTune.Server.Hosting;
using LspFineTune.Server.Protocol;

namespace LspFineTune.Server.Training;

/// <summary>A long run the editor started (a training, a sweep), as <see cref="EditorRuns"/> drives it.</summary>
public interface IEditorRun : IDisposable
{
    /// <summary>Asks the run to stop (the progress notification's Cancel); it still ends through <see cref="WaitAsync"/>.</summary>
    void Cancel();

    /// <summary>Runs to the end; returns what the progress ends with and the user is shown.</summary>
    Task<RunEnd> WaitAsync();
}

/// <summary>How a run ended: an LSP message type (<see cref="MessageType"/>) and one line for the user.</summary>
public sealed record RunEnd(int Type, string Message);

/// <summary>What the editor asked to run: for which command and config, under which title, on whose progress token.</summary>
/// <param name="Activity">What the config is busy with while it runs ("training", "tuning"), for the refusal of a second run.</param>
/// <param name="WorkDoneToken">The client's own token (client-initiated progress, e.g. VS Code's cancellable
/// notification); null: the server creates one where the client supports progress.</param>
public sealed record EditorRunRequest(string Command, string ConfigPath, string Title, string Activity, string FirstMessage, string? WorkDoneToken);

/// <summary>Reports one run's progress on its token (nothing where the client has no progress).</summary>
public sealed class RunReporter(LanguageClient client, string token, bool enabled)
{
    public string Token => token;

    public Task ReportAsync(string message, int? percentage) =>
        enabled ? client.ProgressAsync(token, new WorkDoneProgressReport(message, percentage)) : Task.CompletedTask;
}

/// <summary>
/// The one way the server runs something long for the editor: LSP work-done progress on the client's token (or one it
/// creates), cancellable with window/workDoneProgress/cancel; one run per config at a time, whatever it is; at the end
/// the progress ends with the run's message, which also goes to the log and is shown. The run itself (a subprocess, a
/// search over subprocesses) is an <see cref="IEditorRun"/> started synchronously, so a run that cannot start fails
/// the request that asked for it.
/// </summary>
public sealed class EditorRuns(LanguageClient client, ServerSession session, ServerLog log) : IDisposable
{
    private readonly ConcurrentDictionary<string, IEditorRun> _byToken = new();
    private readonly ConcurrentDictionary<string, (string Token, string Activity)> _byConfig = new(StringComparer.Ordinal);

    /// <summary>Starts a run; returns its progress token. Throws <see cref="LspException"/> when the config is busy, and
    /// whatever <paramref name="start"/> throws when it cannot start.</summary>
    public async Task<string> StartAsync(EditorRunRequest request, Func<RunReporter, IEditorRun> start, CancellationToken cancellationToken)
    {
        var token = request.WorkDoneToken ?? "lft-run-" + Guid.NewGuid().ToString("N");
        if (!_byConfig.TryAdd(request.ConfigPath, (token, request.Activity)))
        {
            var busy = _byConfig.TryGetValue(request.ConfigPath, out var other) ? other.Activity : "running";
            throw new LspException(LspErrorCodes.RequestFailed, $"{request.Command}: {Path.GetFileName(request.ConfigPath)} is already {busy}; cancel that run first (the progress notification's Cancel).");
        }
        try
        {
            // A client-initiated token needs no create; otherwise ask the client for one where it supports progress.
            var progress = request.WorkDoneToken is not null
                || session.Capabilities.WorkDoneProgress && await client.CreateProgressAsync(token, cancellationToken).ConfigureAwait(false);
            if (progress)
                await client.ProgressAsync(token, new WorkDoneProgressBegin(request.Title, Cancellable: true, request.FirstMessage, 0)).ConfigureAwait(false);
            var run = start(new RunReporter(client, token, progress));
            _byToken[token] = run;
            _ = FinishAsync(run, token, request, progress);
            return token;
        }
        catch
        {
            _byConfig.TryRemove(request.ConfigPath, out _);
            throw;
        }
    }

    /// <summary>What the config is busy with ("training", "tuning"); null when nothing runs on it.</summary>
    public string? Activity(string configPath) => _byConfig.TryGetValue(configPath, out var run) ? run.Activity : null;

    /// <summary>window/workDoneProgress/cancel; false when no run has the token (it had ended).</summary>
    public bool Cancel(string token)
    {
        if (!_byToken.TryGetValue(token, out var run))
            return false;
        log.Write($"cancelling run {token}");
        run.Cancel();
        return true;
    }

    /// <summary>The server is going away: every run is asked to stop, so no trainer outlives the editor.</summary>
    public void Dispose()
    {
        foreach (var run in _byToken.Values)
            run.Cancel();
    }

    private async Task FinishAsync(IEditorRun run, string token, EditorRunRequest request, bool progress)
    {
        RunEnd end;
        try
        {
            end = await run.WaitAsync().ConfigureAwait(false);
        }
        catch (Exception e)
        {
            // The run's own machinery failed (reading its output, writing its results): still end the progress, saying so.
            log.Write($"{request.Command} {token}: {e}");
            end = new RunEnd(MessageType.Error, $"stopped by an error in lft itself: {e.Message}");
        }
        finally
        {
            _byToken.TryRemove(token, out _);
            _byConfig.TryRemove(request.ConfigPath, out _);
            run.Dispose();
        }
        if (progress)
            await client.ProgressAsync(token, new WorkDoneProgressEnd(end.Message)).ConfigureAwait(false);
        await client.LogMessageAsync(MessageType.Info, $"{request.Title}: {end.Message}").ConfigureAwait(false);
        await client.ShowMessageAsync(end.Type, $"{request.Title}: {end.Message}").ConfigureAwait(false);
    }
}
