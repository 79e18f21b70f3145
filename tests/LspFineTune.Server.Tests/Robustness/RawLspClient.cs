using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using LspFineTune.Server.Hosting;
using Nerdbank.Streams;

namespace LspFineTune.Server.Tests.Robustness;

/// <summary>
/// A deliberately dumb LSP client that talks to a real <see cref="LanguageServerHost"/> over an in-memory duplex
/// stream. It writes raw frames (<c>Content-Length: N\r\n\r\n</c> + bytes) and has its own small frame reader rather
/// than StreamJsonRpc, so a test can send anything at all: broken JSON, wrong types, lying headers, bare garbage.
/// Replies are matched to requests by the raw JSON text of their id (so <c>1</c> and <c>"1"</c> are different ids,
/// as JSON-RPC says). Server-to-client requests get the answers an editor would give, so the server never waits on us.
/// </summary>
public sealed class RawLspClient : IAsyncDisposable
{
    /// <summary>How long one reply may take before the test fails as a hang (not a timing assertion: a guard).</summary>
    public static readonly TimeSpan ReplyTimeout = TimeSpan.FromSeconds(30);

    private readonly Stream _stream;
    private readonly StringWriter _log;
    private readonly TextWriter _syncLog;
    private readonly SemaphoreSlim _writing = new(1, 1);
    private readonly ConcurrentDictionary<string, TaskCompletionSource<JsonObject>> _pending = new(StringComparer.Ordinal);
    private readonly ConcurrentQueue<JsonObject> _notifications = new();
    private readonly ConcurrentQueue<JsonObject> _serverRequests = new();
    private readonly ConcurrentQueue<JsonObject> _unmatchedReplies = new();
    private readonly ConcurrentQueue<string> _protocolViolations = new();
    private readonly Task _readLoop;
    private readonly TaskCompletionSource _readerEnded = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _nextId;

    private RawLspClient(Stream clientStream, LanguageServerHost host, Task<int> serverRun, StringWriter log, TextWriter syncLog)
    {
        _log = log;
        _stream = clientStream;
        Host = host;
        ServerRun = serverRun;
        _syncLog = syncLog;
        _readLoop = Task.Run(ReadLoopAsync);
    }

    public LanguageServerHost Host { get; }

    /// <summary>The server's RunAsync: it completes only when the server stops serving (exit, closed stream, crash).</summary>
    public Task<int> ServerRun { get; }

    /// <summary>Completes when the server closed its side of the connection (or the frame reader hit garbage from it).</summary>
    public Task ReaderEnded => _readerEnded.Task;

    /// <summary>Notifications the server sent (publishDiagnostics, logMessage, ...), in arrival order.</summary>
    public IReadOnlyCollection<JsonObject> Notifications => _notifications;

    /// <summary>Requests the server sent to the client (workspace/applyEdit, workspace/configuration, ...), in arrival order.</summary>
    public IReadOnlyCollection<JsonObject> ServerRequests => _serverRequests;

    /// <summary>
    /// While set, the server's requests are answered only once this task completes, so a test can keep one of its own
    /// requests in flight (a command waiting for its workspace/applyEdit) for as long as it needs.
    /// </summary>
    public Task? HoldServerRequestsUntil { get; set; }

    /// <summary>Replies whose id matched no pending request (for example the id-null reply to a parse error).</summary>
    public IReadOnlyCollection<JsonObject> UnmatchedReplies => _unmatchedReplies;

    /// <summary>Things the server sent that are not LSP: unparseable frames, replies to ids never used twice, ...</summary>
    public IReadOnlyCollection<string> ProtocolViolations => _protocolViolations;

    /// <summary>The server's stderr-equivalent log, for assertion messages (TextWriter.Synchronized locks on itself).</summary>
    public string Log
    {
        get
        {
            lock (_syncLog)
                return _log.ToString();
        }
    }

    /// <summary>Starts a server on an in-memory pipe. It is not initialized; call <see cref="InitializeAsync"/>.</summary>
    public static RawLspClient Start()
    {
        var (clientStream, serverStream) = FullDuplexStream.CreatePair();
        var log = new StringWriter();
        var syncLog = TextWriter.Synchronized(log);
        var host = new LanguageServerHost(serverStream, serverStream, syncLog, new LanguageServerOptions { WatchClientProcess = false });
        var run = Task.Run(host.RunAsync);
        return new RawLspClient(clientStream, host, run, log, syncLog);
    }

    /// <summary>Starts a server and runs initialize/initialized with a client that supports workspace/configuration.</summary>
    public static async Task<RawLspClient> StartInitializedAsync()
    {
        var client = Start();
        await client.InitializeAsync();
        return client;
    }

    public async Task InitializeAsync()
    {
        var reply = await RequestAsync("initialize", new JsonObject
        {
            ["processId"] = null,
            ["rootUri"] = null,
            ["capabilities"] = new JsonObject
            {
                ["workspace"] = new JsonObject { ["configuration"] = true, ["applyEdit"] = true },
                ["window"] = new JsonObject { ["workDoneProgress"] = true },
            },
            ["clientInfo"] = new JsonObject { ["name"] = "RawLspClient" },
        });
        if (reply["result"] is not JsonObject)
            throw new InvalidOperationException($"initialize failed: {reply.ToJsonString()}\n{Log}");
        await NotifyAsync("initialized", new JsonObject());
    }

    public string NewId() => Interlocked.Increment(ref _nextId).ToString(System.Globalization.CultureInfo.InvariantCulture);

    /// <summary>Sends a well-formed request with a fresh numeric id and waits for its reply.</summary>
    public Task<JsonObject> RequestAsync(string method, JsonNode? parameters)
    {
        var id = JsonValue.Create(Interlocked.Increment(ref _nextId));
        var message = new JsonObject { ["jsonrpc"] = "2.0", ["id"] = id, ["method"] = method, ["params"] = parameters };
        return SendRequestTextAsync(message.ToJsonString(), id.ToJsonString());
    }

    public Task NotifyAsync(string method, JsonNode? parameters) =>
        SendTextAsync(new JsonObject { ["jsonrpc"] = "2.0", ["method"] = method, ["params"] = parameters }.ToJsonString());

    /// <summary>
    /// Sends <paramref name="json"/> (any text) in a correct frame and waits for the reply whose id's JSON text is
    /// <paramref name="idJson"/> (for example <c>7</c> or <c>"7"</c>).
    /// </summary>
    public async Task<JsonObject> SendRequestTextAsync(string json, string idJson)
    {
        var waiter = Expect(idJson);
        await SendTextAsync(json);
        return await WaitAsync(waiter, idJson, json);
    }

    /// <summary>Registers interest in the reply with id <paramref name="idJson"/> before the request is written.</summary>
    public Task<JsonObject> Expect(string idJson)
    {
        idJson = Canonical(idJson);
        var completion = new TaskCompletionSource<JsonObject>(TaskCreationOptions.RunContinuationsAsynchronously);
        if (!_pending.TryAdd(idJson, completion))
            throw new InvalidOperationException($"id {idJson} is already pending; a test must not reuse an id in flight");
        return completion.Task;
    }

    /// <summary>Waits for a reply, failing with the request text and the server log if it never comes.</summary>
    /// <remarks>Pipelined requests pass one <paramref name="deadline"/> for the whole batch, so a stuck server fails fast.</remarks>
    public async Task<JsonObject> WaitAsync(Task<JsonObject> reply, string idJson, string sent, DateTime? deadline = null)
    {
        idJson = Canonical(idJson);
        var wait = deadline is { } until ? until - DateTime.UtcNow : ReplyTimeout;
        var finished = await Task.WhenAny(reply, ReaderEnded, Task.Delay(wait < TimeSpan.Zero ? TimeSpan.Zero : wait));
        if (finished == reply)
            return await reply;
        _pending.TryRemove(idJson, out _);
        var why = finished == ReaderEnded ? "the server closed the connection" : $"no reply within {ReplyTimeout.TotalSeconds} s of the batch";
        throw new Xunit.Sdk.XunitException($"{why} for id {idJson}; request was:\n{Truncate(sent)}\nserver run: {ServerRun.Status}\nserver log:\n{Truncate(Log, 4000)}");
    }

    public Task SendTextAsync(string json) => SendFrameAsync(Encoding.UTF8.GetBytes(json));

    /// <summary>Writes one correctly framed message with arbitrary body bytes.</summary>
    public Task SendFrameAsync(byte[] body) =>
        SendRawAsync([.. Encoding.ASCII.GetBytes($"Content-Length: {body.Length}\r\n\r\n"), .. body]);

    /// <summary>Writes bytes as they are: for lying headers and garbage between frames.</summary>
    public async Task SendRawAsync(byte[] bytes)
    {
        await _writing.WaitAsync();
        try
        {
            await _stream.WriteAsync(bytes);
            await _stream.FlushAsync();
        }
        finally
        {
            _writing.Release();
        }
    }

    /// <summary>Closes the client's side, which is what an editor that goes away does.</summary>
    public void CloseConnection() => _stream.Dispose();

    public async ValueTask DisposeAsync()
    {
        _stream.Dispose();
        await Task.WhenAny(Task.WhenAll(ServerRun, _readLoop), Task.Delay(TimeSpan.FromSeconds(10)));
        Host.Dispose();
    }

    private async Task ReadLoopAsync()
    {
        try
        {
            while (await ReadFrameAsync() is { } body)
            {
                JsonNode? node;
                try
                {
                    node = JsonNode.Parse(body);
                }
                catch (JsonException e)
                {
                    _protocolViolations.Enqueue($"unparseable frame from the server ({e.Message}): {Truncate(Encoding.UTF8.GetString(body))}");
                    continue;
                }
                if (node is not JsonObject message)
                {
                    _protocolViolations.Enqueue($"a frame that is not a JSON object: {Truncate(node?.ToJsonString() ?? "null")}");
                    continue;
                }
                await DispatchAsync(message);
            }
        }
        catch (Exception e) when (e is IOException or ObjectDisposedException or OperationCanceledException)
        {
            // Our side was closed.
        }
        catch (Exception e)
        {
            _protocolViolations.Enqueue($"frame reader failed: {e.Message}");
        }
        finally
        {
            _readerEnded.TrySetResult();
        }
    }

    private async Task DispatchAsync(JsonObject message)
    {
        var hasId = message.TryGetPropertyValue("id", out var id);
        if (message["method"] is JsonValue method && method.TryGetValue<string>(out var name))
        {
            if (!hasId)
            {
                _notifications.Enqueue(message);
                return;
            }
            // A server-to-client request: answer as VS Code would, so the server never blocks on us.
            JsonNode? result = name switch
            {
                "workspace/configuration" => new JsonArray((JsonNode?)null),
                "workspace/applyEdit" => new JsonObject { ["applied"] = true },
                _ => null, // window/workDoneProgress/create, */refresh, client/registerCapability
            };
            var reply = new JsonObject { ["jsonrpc"] = "2.0", ["id"] = id?.DeepClone(), ["result"] = result };
            _serverRequests.Enqueue(message);
            if (HoldServerRequestsUntil is { } hold)
                _ = AnswerLaterAsync(hold, reply.ToJsonString());
            else
                await SendTextAsync(reply.ToJsonString());
            return;
        }
        var key = id?.ToJsonString() ?? "null";
        if (_pending.TryRemove(key, out var waiter))
            waiter.TrySetResult(message);
        else
            _unmatchedReplies.Enqueue(message);
    }

    private async Task AnswerLaterAsync(Task hold, string reply)
    {
        await hold;
        await SendTextAsync(reply);
    }

    /// <summary>Reads <c>header: value\r\n</c> lines up to a blank line, then exactly Content-Length bytes; null at end.</summary>
    private async Task<byte[]?> ReadFrameAsync()
    {
        int? length = null;
        while (true)
        {
            var line = await ReadHeaderLineAsync();
            if (line is null)
                return null;
            if (line.Length == 0)
                break;
            var colon = line.IndexOf(':', StringComparison.Ordinal);
            if (colon > 0 && line[..colon].Trim().Equals("Content-Length", StringComparison.OrdinalIgnoreCase))
                length = int.Parse(line[(colon + 1)..].Trim(), System.Globalization.CultureInfo.InvariantCulture);
        }
        if (length is not { } n)
            throw new InvalidDataException("the server sent a frame without Content-Length");
        var body = new byte[n];
        await _stream.ReadExactlyAsync(body);
        return body;
    }

    private async Task<string?> ReadHeaderLineAsync()
    {
        var bytes = new List<byte>();
        var one = new byte[1];
        while (true)
        {
            if (await _stream.ReadAsync(one) == 0)
                return bytes.Count == 0 ? null : throw new EndOfStreamException("the server closed the connection inside a header");
            if (one[0] == '\n')
                break;
            bytes.Add(one[0]);
        }
        if (bytes.Count > 0 && bytes[^1] == '\r')
            bytes.RemoveAt(bytes.Count - 1);
        return Encoding.ASCII.GetString(bytes.ToArray());
    }

    /// <summary>One spelling per JSON value ("\u00fc" and "\u00FC" and "ü" are the same id), as System.Text.Json writes it.</summary>
    public static string Canonical(string json) => JsonNode.Parse(json)?.ToJsonString() ?? "null";

    public static string Truncate(string text, int max = 600) =>
        text.Length <= max ? text : text[..max] + $"... ({text.Length} chars)";
}
