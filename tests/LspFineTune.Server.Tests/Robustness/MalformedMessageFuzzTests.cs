using System.Text;
using System.Text.Json.Nodes;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace LspFineTune.Server.Tests.Robustness;

/// <summary>
/// Seeded fuzzing of the messages themselves, each in a correct frame: invalid JSON, JSON that is not JSON-RPC, wrong
/// "jsonrpc" versions, params of the wrong type for every method the server has, odd ids, unknown methods, stray
/// cancellations. Three kinds of expectation, by what JSON-RPC allows:
/// a request with a usable id must get exactly one proper reply with that id (never InternalError);
/// a notification must get none; anything else may get a proper error reply with id null, or none. A request with a
/// wrong or missing "jsonrpc" version is handled like a 2.0 request (StreamJsonRpc's leniency, kept on purpose).
/// After each batch the server must still answer a known-good request correctly.
/// </summary>
public sealed class MalformedMessageFuzzTests(ITestOutputHelper output)
{
    private const int InternalError = -32603;
    private const int MessagesPerSeed = 600;
    private const int MessagesPerBatch = 100;

    /// <summary>Every method the server serves except shutdown and exit, which would end the session being fuzzed.</summary>
    private static readonly string[] Methods =
    [
        "initialize", "initialized", "textDocument/didOpen", "textDocument/didChange", "textDocument/didClose", "textDocument/didSave",
        "textDocument/hover", "textDocument/inlayHint", "textDocument/codeLens", "textDocument/codeAction", "textDocument/completion",
        "textDocument/documentSymbol", "workspace/executeCommand", "workspace/didChangeConfiguration", "$/cancelRequest",
        "no/such/method", "$/unknown", "", "textDocument/HOVER",
    ];

    /// <summary>Params values that are wrong in shape or range for most methods.</summary>
    private static JsonNode? WrongParams(Random random, string uri)
    {
        var deep = new JsonObject();
        var cursor = deep;
        for (var i = 0; i < 200; i++)
        {
            var next = new JsonObject();
            cursor["textDocument"] = next;
            cursor = next;
        }
        JsonNode?[] choices =
        [
            null, "a string", 42, true, new JsonArray(), new JsonArray(1, "two", null), new JsonObject(), deep,
            new JsonObject { ["textDocument"] = "file:///x.lft.yaml" },
            new JsonObject { ["textDocument"] = new JsonObject { ["uri"] = 5 } },
            new JsonObject { ["textDocument"] = new JsonObject { ["uri"] = null }, ["position"] = Lsp.Pos(0, 0) },
            new JsonObject { ["textDocument"] = Lsp.Doc(uri), ["position"] = new JsonObject { ["line"] = "three", ["character"] = 1 } },
            new JsonObject { ["textDocument"] = Lsp.Doc(uri), ["position"] = null, ["range"] = null },
            new JsonObject { ["textDocument"] = Lsp.Doc(uri), ["position"] = new JsonArray(1, 2), ["range"] = "everything" },
            new JsonObject { ["textDocument"] = Lsp.Doc(uri), ["range"] = new JsonObject { ["start"] = null, ["end"] = Lsp.Pos(1, 1) } },
            new JsonObject { ["textDocument"] = Lsp.Doc(uri), ["range"] = new JsonObject(), ["position"] = new JsonObject() },
            new JsonObject { ["textDocument"] = Lsp.Doc(uri), ["contentChanges"] = "all of it" },
            new JsonObject { ["textDocument"] = new JsonObject { ["uri"] = uri, ["version"] = "seven", ["text"] = 1 } },
            new JsonObject { ["textDocument"] = new JsonObject { ["uri"] = uri, ["version"] = 1, ["text"] = null } },
            new JsonObject { ["textDocument"] = Lsp.Doc(uri), ["contentChanges"] = new JsonArray(null, 1, new JsonObject { ["range"] = "x" }) },
            new JsonObject { ["command"] = 5, ["arguments"] = "x" },
            new JsonObject { ["command"] = "lft.plan", ["arguments"] = new JsonArray(new JsonObject { ["uri"] = uri }, new JsonObject { ["apply"] = "no" }) },
            new JsonObject { ["command"] = "lft.showBreakdown", ["arguments"] = new JsonArray(uri) },
            new JsonObject { ["command"] = "lft.train", ["arguments"] = new JsonArray() },
            new JsonObject { ["settings"] = new JsonObject { ["lft"] = new JsonObject { ["binaryUnits"] = "yes", ["diagnosticsDelayMs"] = -1, ["gpu"] = new JsonArray() } } },
            new JsonObject { ["settings"] = "x" },
            new JsonObject { ["id"] = new JsonObject() },
            new JsonObject { ["capabilities"] = "all", ["processId"] = "me", ["initializationOptions"] = new JsonArray() },
        ];
        return choices[random.Next(choices.Length)]?.DeepClone();
    }

    /// <summary>Params JSON text with numbers no int can hold (these cannot be built as JsonNodes that stay numbers).</summary>
    private static readonly string[] HugeNumberParams =
    [
        """{"textDocument":{"uri":"URI"},"position":{"line":1e400,"character":0}}""",
        """{"textDocument":{"uri":"URI"},"position":{"line":99999999999999999999999,"character":-99999999999999999999}}""",
        """{"textDocument":{"uri":"URI"},"position":{"line":1.5,"character":-0.0}}""",
        """{"textDocument":{"uri":"URI","version":4294967296,"text":"a: 1"}}""",
        """{"textDocument":{"uri":"URI"},"range":{"start":{"line":-1e10,"character":0},"end":{"line":2147483648,"character":0}}}""",
    ];

    /// <summary>Params with every number drawn from <see cref="Fuzz.NumberLiteral"/>: limits of int, long and double, fractions, exponents.</summary>
    private static readonly string[] NumericLimitParams =
    [
        """{"textDocument":{"uri":"URI"},"position":{"line":NUM,"character":NUM}}""",
        """{"textDocument":{"uri":"URI"},"range":{"start":{"line":NUM,"character":NUM},"end":{"line":NUM,"character":NUM}},"context":{"diagnostics":[],"triggerKind":NUM}}""",
        """{"textDocument":{"uri":"URI","version":NUM},"contentChanges":[{"range":{"start":{"line":NUM,"character":NUM},"end":{"line":NUM,"character":NUM}},"rangeLength":NUM,"text":"x"}]}""",
        """{"textDocument":{"uri":"URI","languageId":"yaml","version":NUM,"text":"model:\n  name: x\n"}}""",
        """{"command":"lft.setGpu","arguments":["URI",{"gpu":"h100-80gb","gpusPerNode":NUM}]}""",
        """{"command":"lft.plan","arguments":["URI",{"apply":false,"maxPlans":NUM}]}""",
        """{"settings":{"lft":{"gpuCount":NUM,"nodeCount":NUM,"diagnosticsDelayMs":NUM}}}""",
        """{"processId":NUM,"capabilities":{},"workDoneToken":NUM}""",
        """{"id":NUM}""",
    ];

    internal static readonly string[] NotJsonRpc =
    [
        " ", "{", "}", "[", "not json", "{\"jsonrpc\":\"2.0\",\"id\":1,", "\u0000", "{'single':'quotes'}", "{\"a\":1,}", "/* comment */ {}",
        "42", "\"just a string\"", "null", "true", "[]", "[1,2,3]", "[{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"x\"}]", "{}", "{\"foo\":1}",
        "{\"jsonrpc\":\"2.0\"}", "{\"jsonrpc\":\"2.0\",\"method\":5}", "{\"jsonrpc\":\"2.0\",\"method\":null,\"id\":3}", "{\"jsonrpc\":\"2.0\",\"result\":1}",
        "{\"jsonrpc\":\"2.0\",\"id\":424242,\"result\":{}}", "{\"jsonrpc\":\"2.0\",\"id\":434343,\"error\":{\"code\":1,\"message\":\"x\"}}",
        "{\"jsonrpc\":\"2.0\",\"id\":{},\"method\":\"textDocument/hover\"}", "{\"jsonrpc\":\"2.0\",\"id\":[1],\"method\":\"textDocument/hover\"}",
        "{\"jsonrpc\":\"2.0\",\"id\":true,\"method\":\"textDocument/hover\"}", "{\"jsonrpc\":\"2.0\",\"id\":1.5,\"method\":\"no/such\"}",
        "{\"jsonrpc\":\"2.0\",\"id\":null,\"method\":\"textDocument/hover\"}", "{\"jsonrpc\":\"2.0\",\"id\":99999999999999999999999,\"method\":\"x\"}",
        "{\"jsonrpc\":\"1.0\",\"method\":\"textDocument/hover\"}", "{\"jsonrpc\":2,\"method\":\"no/such\"}", "{\"method\":\"no/such/notification\"}",
        "{\"jsonrpc\":\"2.0\",\"method\":\"textDocument/hover\",\"params\":{\"textDocument\":{\"uri\":\"\\uD800\"}}}",
        new string('[', 10_000), new string('{', 5_000), "{\"jsonrpc\":\"2.0\",\"id\":1,\"method\":\"x\",\"params\":{\"line\":NaN}}",
    ];

    [Theory]
    [InlineData(11)]
    [InlineData(4242)]
    [InlineData(90210)]
    public async Task Malformed_messages_get_proper_errors_and_the_server_keeps_answering(int seed)
    {
        var random = new Random(seed);
        await using var client = await RawLspClient.StartInitializedAsync();
        var uri = Lsp.ExampleUri($"malformed-{seed}.lft.yaml");
        await client.OpenAsync(uri, Lsp.Example("llama2-7b-lora.lft.yaml"));
        var run = new FuzzRun(client, seed);
        for (var n = 0; n < MessagesPerSeed; n++)
        {
            var (kind, idJson, body) = NextMessage(random, client, uri);
            run.Count(kind);
            if (idJson is not null)
                run.Expect(idJson, Encoding.UTF8.GetString(body), NotInternalError);
            await client.SendFrameAsync(body);
            if (n % MessagesPerBatch == MessagesPerBatch - 1)
                await run.EndBatchAsync($"batch ending at message {n}");
        }
        // Replies nobody asked for (to bodies with no usable id) must still be proper errors, never results.
        foreach (var stray in client.UnmatchedReplies)
        {
            run.Check(() =>
            {
                Replies.AssertProperError(stray, $"seed {seed}; a reply to a message without a usable id");
                if (stray["error"] is null)
                    throw new XunitException($"a result for a message without a usable id: {stray.ToJsonString()}");
            });
        }
        output.WriteLine($"seed {seed}: {MessagesPerSeed} messages ({run.Tally}); {client.UnmatchedReplies.Count} id-less error replies");
        run.AssertClean();
    }

    private static void NotInternalError(JsonObject answer, string context)
    {
        if (answer["error"] is not null && Replies.ErrorCode(answer) == InternalError)
            throw new XunitException($"InternalError\ncontext: {context}\nreply: {answer.ToJsonString()}");
    }

    /// <summary>One fuzz message: its kind (for the tally), the id JSON a reply must carry (null when none is due) and the body.</summary>
    private static (string Kind, string? IdJson, byte[] Body) NextMessage(Random random, RawLspClient client, string uri)
    {
        var method = Methods[random.Next(Methods.Length)];
        string IdJson() => random.Next(3) == 0 ? Fuzz.JsonString("s-" + client.NewId() + (random.Next(2) == 0 ? "-ü😀" : "")) : client.NewId();
        switch (random.Next(10))
        {
            case 0:
            {
                var text = NotJsonRpc[random.Next(NotJsonRpc.Length)];
                return ("not JSON-RPC", null, Encoding.UTF8.GetBytes(text));
            }
            case 1:
            {
                var bytes = new byte[random.Next(1, 200)];
                random.NextBytes(bytes);
                return ("random bytes", null, bytes);
            }
            case 2:
            {
                // A valid request cut short: invalid JSON.
                var full = Encoding.UTF8.GetBytes(new JsonObject { ["jsonrpc"] = "2.0", ["id"] = 1, ["method"] = method, ["params"] = WrongParams(random, uri) }.ToJsonString());
                return ("truncated", null, full[..random.Next(1, full.Length)]);
            }
            case 3:
            {
                var id = IdJson();
                var template = random.Next(3) == 0 ? HugeNumberParams[random.Next(HugeNumberParams.Length)] : NumericLimitParams[random.Next(NumericLimitParams.Length)];
                var parameters = Fuzz.WithNumbers(random, template).Replace("URI", uri, StringComparison.Ordinal);
                // Ids at the limits of a long and of an int too (kept unique: an id in flight twice is another test).
                var unique = long.Parse(client.NewId(), System.Globalization.CultureInfo.InvariantCulture);
                id = random.Next(5) switch
                {
                    0 => (long.MaxValue - unique).ToString(System.Globalization.CultureInfo.InvariantCulture),
                    1 => (long.MinValue + unique).ToString(System.Globalization.CultureInfo.InvariantCulture),
                    2 => (int.MaxValue + unique).ToString(System.Globalization.CultureInfo.InvariantCulture),
                    _ => id,
                };
                return ("numeric limits", id, Encoding.UTF8.GetBytes($$"""{"jsonrpc":"2.0","id":{{id}},"method":"{{method}}","params":{{parameters}}}"""));
            }
            case 4:
            {
                var parameters = WrongParams(random, uri)?.ToJsonString() ?? "null";
                return ("notification with wrong params", null, Encoding.UTF8.GetBytes($$"""{"jsonrpc":"2.0","method":"{{method}}","params":{{parameters}}}"""));
            }
            case 5:
            {
                JsonNode? id = random.Next(4) switch { 0 => random.Next(), 1 => "unknown-" + random.Next(), 2 => null, _ => new JsonArray() };
                return ("$/cancelRequest", null, Encoding.UTF8.GetBytes(new JsonObject { ["jsonrpc"] = "2.0", ["method"] = "$/cancelRequest", ["params"] = new JsonObject { ["id"] = id } }.ToJsonString()));
            }
            case 6:
            {
                // Wrong or missing jsonrpc version (JSON-RPC 1.0 style). The server is lenient here, as StreamJsonRpc
                // is: the message is handled as a 2.0 request, so it must get a proper 2.0 reply to its id.
                var version = random.Next(3) switch { 0 => "\"jsonrpc\":\"1.0\",", 1 => "\"jsonrpc\":2,", _ => "" };
                var parameters = WrongParams(random, uri)?.ToJsonString() ?? "null";
                var id = Fuzz.JsonString("v" + client.NewId());
                return ("wrong jsonrpc version", id, Encoding.UTF8.GetBytes("{" + version + $"\"id\":{id},\"method\":\"{method}\",\"params\":{parameters}}}"));
            }
            default:
            {
                var id = IdJson();
                var parameters = random.Next(5) == 0 ? "" : $$""","params":{{WrongParams(random, uri)?.ToJsonString() ?? "null"}}""";
                return ("request with wrong params", id, Encoding.UTF8.GetBytes($$"""{"jsonrpc":"2.0","id":{{id}},"method":"{{method}}"{{parameters}}}"""));
            }
        }
    }
}
