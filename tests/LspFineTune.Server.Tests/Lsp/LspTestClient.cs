using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Threading.Channels;
using LspFineTune.Server.Hosting;
using Nerdbank.Streams;
using StreamJsonRpc;

namespace LspFineTune.Server.Tests.Lsp;

/// <summary>A JSON-RPC error reply: code, message and data.</summary>
public sealed record ReplyError(int ErrorCode, string Message, object? ErrorData);

/// <summary>
/// An LSP client for protocol tests: the real server host on one end of an in-memory duplex stream, StreamJsonRpc on
/// the other (Roslyn's pattern). It records what the server sends (diagnostics, messages, edit requests), answers
/// workspace/configuration from <see cref="Settings"/> and applies workspace/applyEdit to its copy of the text.
/// </summary>
public sealed class LspTestClient : IAsyncDisposable
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(30);

    private readonly JsonRpc _rpc;
    private readonly LanguageServerHost _host;
    private readonly StringWriter _log = new();
    private readonly ConcurrentDictionary<string, Channel<JsonNode>> _diagnostics = new();
    private readonly ConcurrentDictionary<string, string> _texts = new();
    private readonly ConcurrentDictionary<string, int> _versions = new();

    private LspTestClient()
    {
        var (serverStream, clientStream) = FullDuplexStream.CreatePair();
        _host = new LanguageServerHost(serverStream, serverStream, TextWriter.Synchronized(_log), new LanguageServerOptions { WatchClientProcess = false });
        ServerExit = _host.RunAsync();
        var formatter = new SystemTextJsonFormatter { JsonSerializerOptions = LspJson.Options };
        _rpc = new JsonRpc(new HeaderDelimitedMessageHandler(clientStream, clientStream, formatter));
        _rpc.AddLocalRpcTarget(new ClientTarget(this), new JsonRpcTargetOptions { UseSingleObjectParameterDeserialization = true });
        _rpc.StartListening();
    }

    /// <summary>The server's exit code once it ends.</summary>
    public Task<int> ServerExit { get; }

    /// <summary>What workspace/configuration answers for section `lft` (null: nothing set).</summary>
    public JsonNode? Settings { get; set; }

    public ConcurrentQueue<JsonNode> Messages { get; } = new();

    public ConcurrentQueue<JsonNode> AppliedEdits { get; } = new();

    /// <summary>Every $/progress the server sent ({token, value: {kind: begin|report|end, ...}}).</summary>
    public ConcurrentQueue<JsonNode> Progress { get; } = new();

    /// <summary>Waits until a message satisfying <paramref name="condition"/> has arrived (window/showMessage or logMessage).</summary>
    public async Task<JsonNode> MessageAsync(Func<JsonNode, bool> condition, TimeSpan? timeout = null)
    {
        var deadline = DateTime.UtcNow + (timeout ?? Timeout);
        while (DateTime.UtcNow < deadline)
        {
            if (Messages.FirstOrDefault(condition) is { } message)
                return message;
            await Task.Delay(20);
        }
        throw new Xunit.Sdk.XunitException($"no such message; got:\n{string.Join("\n", Messages.Select(m => (string?)m["message"]))}\nserver log:\n{ServerLog}");
    }

    public int ConfigurationRequests;

    public string ServerLog => _log.ToString();

    /// <summary>A client that has completed initialize/initialized with VS Code-like capabilities.</summary>
    public static async Task<LspTestClient> StartAsync(JsonNode? settings = null, JsonNode? capabilities = null, JsonNode? initializationOptions = null)
    {
        var client = new LspTestClient { Settings = settings };
        await client.RequestAsync("initialize", new JsonObject
        {
            ["processId"] = null,
            ["clientInfo"] = new JsonObject { ["name"] = "protocol tests" },
            ["capabilities"] = capabilities ?? VsCodeLikeCapabilities(),
            ["initializationOptions"] = initializationOptions,
        });
        await client.NotifyAsync("initialized", new JsonObject());
        return client;
    }

    /// <summary>A client that has not sent initialize yet.</summary>
    public static LspTestClient Connect() => new();

    public static JsonObject VsCodeLikeCapabilities() => new()
    {
        ["workspace"] = new JsonObject { ["configuration"] = true, ["applyEdit"] = true },
        ["window"] = new JsonObject { ["workDoneProgress"] = true },
        ["textDocument"] = new JsonObject
        {
            ["hover"] = new JsonObject { ["contentFormat"] = new JsonArray("markdown", "plaintext") },
            ["completion"] = new JsonObject { ["completionItem"] = new JsonObject { ["snippetSupport"] = true } },
        },
    };

    public async Task<JsonNode?> RequestAsync(string method, JsonNode? parameters, CancellationToken cancellationToken = default)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(Timeout);
        var result = await _rpc.InvokeWithParameterObjectAsync<JsonElement?>(method, parameters, timeout.Token);
        return result is { } element ? JsonNode.Parse(element.GetRawText()) : null;
    }

    /// <summary>
    /// A request expected to fail: the error the server replied with. StreamJsonRpc raises InvalidParams (-32602) as
    /// RemoteMethodNotFoundException and other codes as RemoteInvocationException; both are read back the same way.
    /// </summary>
    public async Task<ReplyError> RequestErrorAsync(string method, JsonNode? parameters)
    {
        var error = await Assert.ThrowsAnyAsync<RemoteRpcException>(() => RequestAsync(method, parameters));
        return error switch
        {
            RemoteInvocationException invocation => new ReplyError(invocation.ErrorCode, invocation.Message, invocation.ErrorData),
            RemoteMethodNotFoundException notFound => new ReplyError((int)notFound.ErrorCode, notFound.Message, null),
            _ => throw new Xunit.Sdk.XunitException($"unexpected {error.GetType().Name}: {error.Message}"),
        };
    }

    public Task NotifyAsync(string method, JsonNode? parameters) => _rpc.NotifyWithParameterObjectAsync(method, parameters);

    public static string UriOf(string path) => new Uri(path).AbsoluteUri;

    public string Text(string uri) => _texts[uri];

    public int Version(string uri) => _versions[uri];

    public async Task<string> OpenAsync(string path, string? text = null)
    {
        var uri = UriOf(path);
        text ??= await File.ReadAllTextAsync(path);
        _texts[uri] = text;
        _versions[uri] = 1;
        await NotifyAsync("textDocument/didOpen", new JsonObject
        {
            ["textDocument"] = new JsonObject { ["uri"] = uri, ["languageId"] = path.EndsWith(".json", StringComparison.Ordinal) ? "json" : "yaml", ["version"] = 1, ["text"] = text },
        });
        return uri;
    }

    /// <summary>Sends the whole new text as the next version.</summary>
    public Task ReplaceAsync(string uri, string text)
    {
        _texts[uri] = text;
        var version = _versions.AddOrUpdate(uri, 1, (_, v) => v + 1);
        return NotifyAsync("textDocument/didChange", new JsonObject
        {
            ["textDocument"] = new JsonObject { ["uri"] = uri, ["version"] = version },
            ["contentChanges"] = new JsonArray(new JsonObject { ["text"] = text }),
        });
    }

    /// <summary>Applies LSP text edits to the client's copy and sends them as one incremental change.</summary>
    public Task EditAsync(string uri, JsonArray edits)
    {
        var text = _texts[uri];
        var changes = new JsonArray();
        // Edits of one WorkspaceEdit refer to the original text: apply from the end so earlier offsets stay valid.
        foreach (var edit in edits.OrderByDescending(e => ((int)e!["range"]!["start"]!["line"]!, (int)e["range"]!["start"]!["character"]!)))
        {
            text = ApplyEdit(text, edit!);
            changes.Add(new JsonObject { ["range"] = edit!["range"]!.DeepClone(), ["text"] = (string)edit["newText"]! });
        }
        _texts[uri] = text;
        var version = _versions.AddOrUpdate(uri, 1, (_, v) => v + 1);
        return NotifyAsync("textDocument/didChange", new JsonObject
        {
            ["textDocument"] = new JsonObject { ["uri"] = uri, ["version"] = version },
            ["contentChanges"] = changes,
        });
    }

    /// <summary>The next diagnostics published for <paramref name="uri"/> at or after <paramref name="version"/>.</summary>
    public async Task<JsonArray> DiagnosticsAsync(string uri, int? version = null)
    {
        version ??= _versions.GetValueOrDefault(uri, 1);
        var channel = Channel(uri);
        using var timeout = new CancellationTokenSource(Timeout);
        while (true)
        {
            JsonNode published;
            try
            {
                published = await channel.Reader.ReadAsync(timeout.Token);
            }
            catch (OperationCanceledException)
            {
                throw new Xunit.Sdk.XunitException($"no diagnostics for {uri} v{version} within {Timeout.TotalSeconds} s; server log:\n{ServerLog}");
            }
            var publishedVersion = (int?)published["version"];
            if (publishedVersion is null || publishedVersion >= version)
                return published["diagnostics"]!.AsArray();
        }
    }

    /// <summary>Diagnostics published for <paramref name="uri"/> until one set satisfies <paramref name="condition"/> (settings arrive asynchronously).</summary>
    public async Task<JsonArray> DiagnosticsUntilAsync(string uri, Func<JsonArray, bool> condition)
    {
        while (true)
        {
            var diagnostics = await DiagnosticsAsync(uri, 0);
            if (condition(diagnostics))
                return diagnostics;
        }
    }

    public static string ApplyEdit(string text, JsonNode edit)
    {
        var start = Offset(text, edit["range"]!["start"]!);
        var end = Offset(text, edit["range"]!["end"]!);
        return string.Concat(text.AsSpan(0, start), (string)edit["newText"]!, text.AsSpan(end));
    }

    public static int Offset(string text, JsonNode position)
    {
        int line = (int)position["line"]!, character = (int)position["character"]!;
        var offset = 0;
        for (var i = 0; i < line; i++)
            offset = text.IndexOf('\n', offset) + 1;
        return offset + character;
    }

    /// <summary>The position of the first occurrence of <paramref name="needle"/> in a text (plus <paramref name="shift"/> characters).</summary>
    public static JsonObject PositionOf(string text, string needle, int shift = 0)
    {
        var index = text.IndexOf(needle, StringComparison.Ordinal);
        Assert.True(index >= 0, $"`{needle}` is not in the document");
        index += shift;
        var line = text[..index].Count(c => c == '\n');
        var lineStart = index == 0 ? 0 : text.LastIndexOf('\n', index - 1) + 1;
        return new JsonObject { ["line"] = line, ["character"] = index - lineStart };
    }

    private Channel<JsonNode> Channel(string uri) => _diagnostics.GetOrAdd(uri, _ => System.Threading.Channels.Channel.CreateUnbounded<JsonNode>());

    public async ValueTask DisposeAsync()
    {
        _rpc.Dispose();
        await Task.WhenAny(ServerExit, Task.Delay(Timeout));
        _host.Dispose();
    }

    /// <summary>The client side of server-to-client messages.</summary>
    private sealed class ClientTarget(LspTestClient client)
    {
        [JsonRpcMethod("textDocument/publishDiagnostics")]
        public void PublishDiagnostics(JsonElement parameters)
        {
            var node = JsonNode.Parse(parameters.GetRawText())!;
            client.Channel((string)node["uri"]!).Writer.TryWrite(node);
        }

        [JsonRpcMethod("window/logMessage")]
        public void LogMessage(JsonElement parameters) => client.Messages.Enqueue(JsonNode.Parse(parameters.GetRawText())!);

        [JsonRpcMethod("window/showMessage")]
        public void ShowMessage(JsonElement parameters) => client.Messages.Enqueue(JsonNode.Parse(parameters.GetRawText())!);

        [JsonRpcMethod("workspace/configuration")]
        public JsonElement Configuration(JsonElement parameters)
        {
            Interlocked.Increment(ref client.ConfigurationRequests);
            return JsonSerializer.SerializeToElement(new JsonArray(client.Settings?.DeepClone()));
        }

        [JsonRpcMethod("workspace/applyEdit")]
        public JsonElement ApplyEdit(JsonElement parameters)
        {
            var node = JsonNode.Parse(parameters.GetRawText())!;
            client.AppliedEdits.Enqueue(node);
            foreach (var (uri, edits) in node["edit"]!["changes"]!.AsObject())
            {
                var text = client._texts[uri];
                foreach (var edit in edits!.AsArray().OrderByDescending(e => ((int)e!["range"]!["start"]!["line"]!, (int)e["range"]!["start"]!["character"]!)))
                    text = LspTestClient.ApplyEdit(text, edit!);
                client._texts[uri] = text;
            }
            return JsonSerializer.SerializeToElement(new { applied = true });
        }

        [JsonRpcMethod("window/workDoneProgress/create")]
        public void CreateProgress(JsonElement parameters)
        {
        }

        [JsonRpcMethod("$/progress")]
        public void Progress(JsonElement parameters) => client.Progress.Enqueue(JsonNode.Parse(parameters.GetRawText())!);
    }
}
