using LspFineTune.Server.Documents;
using LspFineTune.Server.Handlers;
using LspFineTune.Server.Handlers.Completion;
using LspFineTune.Server.Training;
using Microsoft.VisualStudio.Threading;
using StreamJsonRpc;

namespace LspFineTune.Server.Hosting;

/// <summary>How a host is run: the process watcher is off in tests, where the "client" is the test itself.</summary>
public sealed record LanguageServerOptions
{
    public bool WatchClientProcess { get; init; } = true;
}

/// <summary>
/// One LSP connection over a pair of streams (stdin/stdout for <c>lft lsp</c>, an in-memory pipe in tests):
/// StreamJsonRpc with LSP's Content-Length framing, one handler object per feature, and a non-concurrent
/// synchronization context so messages are handled in the order they arrive (Roslyn's serial queue for document
/// changes). Handlers move their real work off that queue by awaiting the document's analysis.
/// </summary>
public sealed class LanguageServerHost : IDisposable
{
    private readonly LspJsonRpc _rpc;
    private readonly ServerSession _session = new();
    private readonly ServerLog _log;
    private readonly EditorRuns _runs;

    public LanguageServerHost(Stream input, Stream output, TextWriter log, LanguageServerOptions? options = null)
    {
        options ??= new LanguageServerOptions();
        _log = new ServerLog(log);
        var formatter = new LspMessageFormatter { JsonSerializerOptions = LspJson.Options };
        // Messages the server had to drop without a reply (notifications) are told to the editor's log view.
        LanguageClient? client = null;
        void TellUser(string message) => _ = client?.LogMessageAsync(Protocol.MessageType.Error, message);
        _rpc = new LspJsonRpc(new LspMessageHandler(output, input, formatter, _session, _log, TellUser), _log, TellUser)
        {
            SynchronizationContext = new NonConcurrentSynchronizationContext(sticky: false),
        };

        client = new LanguageClient(_rpc, _log);
        var store = new DocumentStore();
        var publisher = new DiagnosticPublisher(store, client, _session, _log);
        var settings = new SettingsUpdater(_session, store, client, () => publisher);
        var requests = new DocumentRequests(_session, store, _log);
        _runs = new EditorRuns(client, _session, _log);
        var training = new TrainingSessions(client, _runs, _log);
        var documents = new CommandDocuments(requests);
        var targetOptions = new JsonRpcTargetOptions { UseSingleObjectParameterDeserialization = true };
        object[] handlers =
        [
            new LifecycleHandler(_session, settings, _log, options.WatchClientProcess),
            new TextDocumentSyncHandler(_session, store, publisher, client),
            new ConfigurationHandler(_session, settings),
            new HoverHandler(requests),
            new InlayHintHandler(requests),
            new CodeLensHandler(requests),
            new CodeActionHandler(requests),
            new CompletionHandler(requests),
            new DocumentSymbolHandler(requests),
            new ExecuteCommandHandler(requests, documents, client, training, new TuningCommands(documents, requests, client, _runs, _log), new FrameworkCommands(documents, client)),
            new ProgressHandler(_runs),
        ];
        foreach (var handler in handlers)
            _rpc.AddLocalRpcTarget(handler, targetOptions);
    }

    /// <summary>Serves until the client sends exit, closes the connection or its process dies; returns the exit code.</summary>
    public async Task<int> RunAsync()
    {
        _ = Task.Run(() => Warmup.Run(_log));
        _rpc.StartListening();
        var connectionClosed = _rpc.Completion.ContinueWith(_ => 0, TaskScheduler.Default);
        var finished = await Task.WhenAny(_session.Exit, connectionClosed).ConfigureAwait(false);
        var code = await finished.ConfigureAwait(false);
        if (finished == connectionClosed)
            _log.Write("the client closed the connection; exiting");
        // The runs the editor started stop with it (each trainer finishes its step and checkpoints it).
        _runs.Dispose();
        _rpc.Dispose();
        return code;
    }

    public void Dispose() => _rpc.Dispose();
}
