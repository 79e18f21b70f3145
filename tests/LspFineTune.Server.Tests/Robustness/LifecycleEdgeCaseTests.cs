using System.Text;
using System.Text.Json.Nodes;
using static LspFineTune.Server.Tests.Robustness.Lsp;

namespace LspFineTune.Server.Tests.Robustness;

/// <summary>
/// The edge cases the issue names, one test each, over the raw wire: positions past the end, unknown URIs, changes to
/// closed documents, out-of-order versions, re-opening an open document, and the lifecycle rules (-32002 before
/// initialize, -32600 after shutdown, a second initialize, string ids, unknown methods, stray cancellations).
/// </summary>
public sealed class LifecycleEdgeCaseTests
{
    private const int ParseError = -32700;
    private const int ServerNotInitialized = -32002;
    private const int InvalidRequest = -32600;
    private const int InvalidParams = -32602;
    private const int MethodNotFound = -32601;
    private const int RequestFailed = -32803;

    private static readonly string Yaml = Example("llama2-7b-lora.lft.yaml");

    [Fact]
    public async Task Positions_past_the_end_are_clamped_and_answered()
    {
        await using var client = await RawLspClient.StartInitializedAsync();
        var uri = ExampleUri("past-end.lft.yaml");
        await client.OpenAsync(uri, Yaml);
        foreach (var (line, character) in new[] { (10_000, 0), (10, 10_000), (int.MaxValue, int.MaxValue), (-1, -1), (0, -5) })
        {
            var context = $"position ({line}, {character})";
            Replies.Result(await client.AskAsync("textDocument/hover", AtPosition(uri, line, character), context), context);
            Replies.Result(await client.AskAsync("textDocument/completion", AtPosition(uri, line, character), context), context);
            Replies.Result(await client.AskAsync("textDocument/codeAction", new JsonObject
            {
                ["textDocument"] = Doc(uri), ["range"] = Range(line, character, int.MaxValue, int.MaxValue), ["context"] = new JsonObject { ["diagnostics"] = new JsonArray() },
            }, context), context);
            Replies.Result(await client.AskAsync("textDocument/inlayHint", new JsonObject { ["textDocument"] = Doc(uri), ["range"] = Range(line, character, line, character) }, context), context);
        }
        // An edit past the end appends at the end rather than failing.
        await client.ChangeAsync(uri, 2, Edit(Range(5_000, 0, 6_000, 0), "\nextra_section:\n  key: 1\n"));
        Assert.Contains("extra_section", await client.TopSymbolsAsync(uri, "after an edit past the end"));
        await client.AssertStillAnswersCorrectlyAsync("positions past the end");
    }

    [Fact]
    public async Task Requests_about_unknown_uris_get_empty_results()
    {
        await using var client = await RawLspClient.StartInitializedAsync();
        foreach (var uri in new[] { "file:///never/opened.lft.yaml", "untitled:Untitled-1", "not a uri at all", "file:///%%%", new string('x', 5000) })
        {
            var context = $"unknown uri {RawLspClient.Truncate(uri, 40)}";
            Assert.Null(Replies.Result(await client.AskAsync("textDocument/hover", AtPosition(uri, 0, 0), context), context));
            Assert.Empty(Replies.Result(await client.AskAsync("textDocument/documentSymbol", new JsonObject { ["textDocument"] = Doc(uri) }, context), context)!.AsArray());
            Assert.Empty(Replies.Result(await client.AskAsync("textDocument/codeLens", new JsonObject { ["textDocument"] = Doc(uri) }, context), context)!.AsArray());
            Assert.Empty(Replies.Result(await client.AskAsync("textDocument/completion", AtPosition(uri, 3, 3), context), context)!["items"]!.AsArray());
            // A command about a document the server does not have is an error that says so.
            var command = await client.AskAsync("workspace/executeCommand", new JsonObject { ["command"] = "lft.showBreakdown", ["arguments"] = new JsonArray(uri) }, context);
            Replies.AssertErrorCode(command, RequestFailed, context);
        }
        await client.AssertStillAnswersCorrectlyAsync("unknown uris");
    }

    [Fact]
    public async Task A_change_to_a_closed_document_is_ignored_with_a_warning()
    {
        await using var client = await RawLspClient.StartInitializedAsync();
        var uri = ExampleUri("closed.lft.yaml");
        await client.OpenAsync(uri, Yaml);
        await client.CloseAsync(uri);
        await client.ChangeAsync(uri, 2, WholeText("model:\n  name: x\n"));
        await client.ChangeAsync("file:///never/opened.lft.yaml", 1, Edit(Range(0, 0, 0, 0), "x"));
        // Still closed: requests get the empty answer for unknown documents, not the changed text.
        Assert.Empty(await client.TopSymbolsAsync(uri, "closed document"));
        Assert.Contains(client.Notifications, n => (string?)n["method"] == "window/logMessage" && ((string?)n["params"]?["message"])?.Contains("not open", StringComparison.Ordinal) == true);
        await client.AssertStillAnswersCorrectlyAsync("change to a closed document");
    }

    [Fact]
    public async Task A_change_with_an_older_version_is_ignored_and_the_newest_text_stays()
    {
        await using var client = await RawLspClient.StartInitializedAsync();
        var uri = ExampleUri("versions.lft.yaml");
        await client.OpenAsync(uri, "first: 1\n", version: 5);
        await client.ChangeAsync(uri, 7, WholeText("newest: 1\n"));
        await client.ChangeAsync(uri, 6, WholeText("older: 1\n"));
        await client.ChangeAsync(uri, 7, WholeText("same_version: 1\n"));
        await client.ChangeAsync(uri, -3, WholeText("negative: 1\n"));
        Assert.Equal(["newest"], await client.TopSymbolsAsync(uri, "after stale versions"));
        Assert.Contains(client.Notifications, n => ((string?)n["params"]?["message"])?.Contains("not after the current 7", StringComparison.Ordinal) == true);

        // A newer version still applies, incrementally, on top of the newest text.
        await client.ChangeAsync(uri, 8, Edit(Range(0, 0, 0, 6), "renamed"));
        Assert.Equal(["renamed"], await client.TopSymbolsAsync(uri, "after version 8"));
    }

    [Fact]
    public async Task Opening_an_open_document_again_replaces_it()
    {
        await using var client = await RawLspClient.StartInitializedAsync();
        var uri = ExampleUri("reopen.lft.yaml");
        await client.OpenAsync(uri, "one: 1\n", version: 10);
        await client.OpenAsync(uri, "two: 2\n", version: 1);
        Assert.Equal(["two"], await client.TopSymbolsAsync(uri, "after the second didOpen"));
        // The second didOpen's version is the base now: version 2 applies.
        await client.ChangeAsync(uri, 2, WholeText("three: 3\n"));
        Assert.Equal(["three"], await client.TopSymbolsAsync(uri, "after a change on the reopened document"));
    }

    [Fact]
    public async Task Requests_before_initialize_get_ServerNotInitialized_and_notifications_are_dropped()
    {
        await using var client = RawLspClient.Start();
        var uri = ExampleUri("early.lft.yaml");
        await client.OpenAsync(uri, Yaml);
        foreach (var method in new[] { "textDocument/hover", "textDocument/documentSymbol", "shutdown", "workspace/executeCommand" })
        {
            var reply = await client.RequestAsync(method, AtPosition(uri, 0, 0));
            Replies.AssertErrorCode(reply, ServerNotInitialized, $"{method} before initialize");
        }
        await client.InitializeAsync();
        // The didOpen before initialize was dropped, as LSP says.
        Assert.Empty(await client.TopSymbolsAsync(uri, "didOpen before initialize"));
        await client.AssertStillAnswersCorrectlyAsync("requests before initialize");
    }

    /// <summary>
    /// The lifecycle is checked before params are bound: a request before initialize gets -32002 whatever its params,
    /// and after shutdown InvalidRequest, never a complaint about a field.
    /// </summary>
    [Theory]
    [InlineData("textDocument/inlayHint", """{"textDocument":{"uri":"file:///x.lft.yaml"},"range":{"start":{"line":0,"character":0}}}""")]
    [InlineData("textDocument/hover", """{"textDocument":{"uri":5},"position":{"line":"three"}}""")]
    [InlineData("textDocument/codeAction", """{"range":{}}""")]
    [InlineData("no/such/method", """{}""")]
    public async Task The_lifecycle_is_checked_before_params_are_bound(string method, string parameters)
    {
        await using var client = RawLspClient.Start();
        var message = $$"""{"jsonrpc":"2.0","id":"early","method":"{{method}}","params":{{parameters}}}""";
        Replies.AssertErrorCode(await client.SendRequestTextAsync(message, "\"early\""), ServerNotInitialized, $"before initialize: {message}");
        await client.InitializeAsync();
        Assert.Null(Replies.Result(await client.AskAsync("shutdown", null, "shutdown"), "shutdown"));
        var late = message.Replace("\"early\"", "\"late\"", StringComparison.Ordinal);
        Replies.AssertErrorCode(await client.SendRequestTextAsync(late, "\"late\""), InvalidRequest, $"after shutdown: {late}");
    }

    /// <summary>
    /// Two requests in flight with one id: the second gets InvalidRequest saying so, and the first still gets its own
    /// answer (StreamJsonRpc alone answered InternalError and lost the first one's cancellation). The first is kept in
    /// flight by holding back the client's answer to the workspace/applyEdit it waits for.
    /// </summary>
    [Fact]
    public async Task A_second_request_with_an_id_in_flight_is_InvalidRequest_and_the_first_is_answered()
    {
        await using var client = await RawLspClient.StartInitializedAsync();
        var uri = ExampleUri("duplicate-ids.lft.yaml");
        await client.OpenAsync(uri, Yaml);
        Assert.Contains("hardware", await client.TopSymbolsAsync(uri, "before the duplicate ids"));
        var release = new TaskCompletionSource();
        client.HoldServerRequestsUntil = release.Task;
        var setGpu = new JsonObject
        {
            ["jsonrpc"] = "2.0", ["id"] = "same", ["method"] = "workspace/executeCommand",
            ["params"] = new JsonObject { ["command"] = "lft.setGpu", ["arguments"] = new JsonArray(uri, new JsonObject { ["gpu"] = "h100-80gb" }) },
        }.ToJsonString();
        var first = client.Expect("\"same\"");
        await client.SendTextAsync(setGpu);
        var deadline = DateTime.UtcNow + RawLspClient.ReplyTimeout;
        while (!client.ServerRequests.Any(r => (string?)r["method"] == "workspace/applyEdit"))
        {
            Assert.True(DateTime.UtcNow < deadline, $"lft.setGpu never asked for workspace/applyEdit\nlog:\n{client.Log}");
            await Task.Delay(20);
        }

        var hover = $$"""{"jsonrpc":"2.0","id":"same","method":"textDocument/hover","params":{{AtPosition(uri, 10, 4).ToJsonString()}}}""";
        await client.SendTextAsync(hover);
        var refusal = await client.WaitAsync(first, "\"same\"", hover);
        Replies.AssertErrorCode(refusal, InvalidRequest, "the second request with id \"same\"");
        Assert.Contains("in progress", (string?)refusal["error"]?["message"], StringComparison.Ordinal);

        var answer = client.Expect("\"same\"");
        release.SetResult();
        var result = Replies.Result(await client.WaitAsync(answer, "\"same\"", setGpu), setGpu);
        Assert.True((bool?)result?["applied"], $"the first request's answer: {result?.ToJsonString()}");
        client.HoldServerRequestsUntil = null;
        // Once answered, the id is free again.
        var reused = await client.SendRequestTextAsync(hover, "\"same\"");
        Assert.Contains("hardware.gpu", (string?)Replies.Result(reused, hover)?["contents"]?["value"] ?? "", StringComparison.Ordinal);
        Assert.DoesNotContain(client.UnmatchedReplies, r => (string?)r["id"] == "same");
    }

    [Fact]
    public async Task A_second_initialize_is_an_InvalidRequest_error_and_the_session_keeps_going()
    {
        await using var client = await RawLspClient.StartInitializedAsync();
        var reply = await client.RequestAsync("initialize", new JsonObject { ["capabilities"] = new JsonObject() });
        Replies.AssertErrorCode(reply, InvalidRequest, "second initialize");
        await client.AssertStillAnswersCorrectlyAsync("second initialize");
    }

    [Fact]
    public async Task Requests_after_shutdown_get_InvalidRequest_and_exit_ends_with_code_0()
    {
        await using var client = await RawLspClient.StartInitializedAsync();
        Assert.Null(Replies.Result(await client.AskAsync("shutdown", null, "shutdown"), "shutdown"));
        foreach (var method in new[] { "textDocument/hover", "shutdown", "initialize" })
        {
            var reply = await client.RequestAsync(method, AtPosition("file:///x.lft.yaml", 0, 0));
            Replies.AssertErrorCode(reply, InvalidRequest, $"{method} after shutdown");
        }
        await client.NotifyAsync("exit", null);
        Assert.Equal(0, await client.ServerRun.WaitAsync(RawLspClient.ReplyTimeout));
    }

    [Fact]
    public async Task String_ids_are_answered_with_the_same_string_id()
    {
        await using var client = await RawLspClient.StartInitializedAsync();
        var uri = ExampleUri("string-ids.lft.yaml");
        await client.OpenAsync(uri, Yaml);
        foreach (var id in new[] { "1", "abc", "", "ünïcødé", "9999999999999999999999" })
        {
            var idJson = JsonValue.Create(id).ToJsonString();
            var message = $$"""{"jsonrpc":"2.0","id":{{idJson}},"method":"textDocument/hover","params":{{AtPosition(uri, 10, 4).ToJsonString()}}}""";
            var reply = await client.SendRequestTextAsync(message, idJson);
            Replies.AssertProper(reply, idJson, message);
            Assert.Contains("hardware.gpu", (string?)reply["result"]?["contents"]?["value"] ?? "");
        }
        // An error reply keeps the string id too.
        var unknown = """{"jsonrpc":"2.0","id":"err-1","method":"no/such/method"}""";
        Replies.AssertErrorCode(await client.SendRequestTextAsync(unknown, "\"err-1\""), MethodNotFound, unknown);
    }

    [Fact]
    public async Task Unknown_methods_are_MethodNotFound_for_requests_and_ignored_as_notifications()
    {
        await using var client = await RawLspClient.StartInitializedAsync();
        foreach (var method in new[] { "no/such/method", "$/unknownRequest", "textDocument/rename", "", "textDocument/hover/extra" })
            Replies.AssertErrorCode(await client.RequestAsync(method, new JsonObject()), MethodNotFound, $"request {method}");
        await client.NotifyAsync("no/such/notification", new JsonObject());
        await client.NotifyAsync("$/setTrace", new JsonObject { ["value"] = "verbose" });
        await client.AssertStillAnswersCorrectlyAsync("unknown methods");
    }

    [Fact]
    public async Task CancelRequest_for_unknown_ids_is_harmless()
    {
        await using var client = await RawLspClient.StartInitializedAsync();
        foreach (JsonNode? id in new JsonNode?[] { 12345, "nope", null, new JsonObject(), 1.5 })
            await client.NotifyAsync("$/cancelRequest", new JsonObject { ["id"] = id });
        await client.NotifyAsync("$/cancelRequest", null);
        await client.NotifyAsync("$/cancelRequest", new JsonArray(1, 2));
        await client.AssertStillAnswersCorrectlyAsync("$/cancelRequest for unknown ids");
    }

    [Fact]
    public async Task Invalid_JSON_inside_a_correct_frame_does_not_end_the_session()
    {
        await using var client = await RawLspClient.StartInitializedAsync();
        foreach (var body in new[] { "{", "}", "not json", "{\"jsonrpc\":\"2.0\",\"id\":1,", "\u0000\u0001", "[1,2", "{\"a\":tru}" })
        {
            await client.SendFrameAsync(Encoding.UTF8.GetBytes(body));
            await client.AssertStillAnswersCorrectlyAsync($"invalid JSON body {body}");
        }
        await client.SendFrameAsync([0xFF, 0xFE, 0xC3, 0x28]);
        await client.AssertStillAnswersCorrectlyAsync("invalid UTF-8 body");
        // Each broken body got a ParseError with id null (JSON-RPC 2.0), before the next frame was read.
        Assert.Equal(8, client.UnmatchedReplies.Count);
        Assert.All(client.UnmatchedReplies, r =>
        {
            Replies.AssertProper(r, "null", "reply to a malformed body");
            Replies.AssertErrorCode(r, ParseError, "reply to a malformed body");
        });
    }

    /// <summary>Each body that is not a JSON-RPC message, alone, followed by the known-good check; names the culprit.</summary>
    [Fact]
    public async Task Every_kind_of_non_JSON_RPC_body_is_survived()
    {
        var failures = new List<string>();
        foreach (var body in MalformedMessageFuzzTests.NotJsonRpc)
        {
            await using var client = await RawLspClient.StartInitializedAsync();
            await client.SendFrameAsync(Encoding.UTF8.GetBytes(body));
            try
            {
                await client.AssertStillAnswersCorrectlyAsync($"body {RawLspClient.Truncate(body, 80)}");
                Assert.All(client.UnmatchedReplies, r => Replies.AssertProperError(r, $"reply to body {RawLspClient.Truncate(body, 80)}"));
            }
            catch (Exception e)
            {
                failures.Add($"{RawLspClient.Truncate(body, 80)}: {RawLspClient.Truncate(e.Message, 1500)}");
            }
        }
        Assert.True(failures.Count == 0, string.Join("\n", failures));
    }

    // Regression (server bug): StreamJsonRpc ended the connection on a response whose id the server never sent, which
    // an editor produces by answering a request late or twice. LspMessageHandler now drops such responses.
    [Fact]
    public async Task A_response_to_no_request_of_the_server_is_ignored()
    {
        await using var client = await RawLspClient.StartInitializedAsync();
        await client.SendTextAsync("""{"jsonrpc":"2.0","id":424242,"result":{"applied":true}}""");
        await client.SendTextAsync("""{"jsonrpc":"2.0","id":"late","error":{"code":-32800,"message":"cancelled"}}""");
        await client.SendTextAsync("""{"jsonrpc":"2.0","result":null}""");
        await client.AssertStillAnswersCorrectlyAsync("responses to no request");
        Assert.Contains("ignored a response to 424242", client.Log, StringComparison.Ordinal);
    }

    // Regression (server bug): a request with "method": null ended the connection; now it is InvalidRequest.
    [Fact]
    public async Task A_request_without_a_method_is_InvalidRequest()
    {
        await using var client = await RawLspClient.StartInitializedAsync();
        var message = """{"jsonrpc":"2.0","id":77,"method":null}""";
        Replies.AssertErrorCode(await client.SendRequestTextAsync(message, "77"), InvalidRequest, message);
        await client.AssertStillAnswersCorrectlyAsync("a request without a method");
    }

    // Regression (server bug): shutdown and exit were bound with no parameters, so a client sending params got
    // InvalidParams for shutdown (even before initialize, instead of -32002) and had its exit silently dropped.
    [Fact]
    public async Task Shutdown_and_exit_with_params_still_end_the_session()
    {
        await using var client = await RawLspClient.StartInitializedAsync();
        Replies.Result(await client.AskAsync("shutdown", new JsonObject { ["unexpected"] = 1, ["also"] = "x" }, "shutdown with params"), "shutdown with params");
        await client.NotifyAsync("exit", new JsonObject { ["unexpected"] = 1, ["also"] = "x" });
        Assert.Equal(0, await client.ServerRun.WaitAsync(RawLspClient.ReplyTimeout));
    }

    // Regression (server bug): a request whose params were a string, number or boolean failed inside StreamJsonRpc's
    // formatter before its id was known, so it got no reply with its id and the client waited forever.
    [Theory]
    [InlineData("\"a string\"")]
    [InlineData("42")]
    [InlineData("true")]
    public async Task A_request_with_unstructured_params_is_InvalidRequest_to_its_id(string parameters)
    {
        await using var client = await RawLspClient.StartInitializedAsync();
        var numeric = $$"""{"jsonrpc":"2.0","id":31,"method":"textDocument/hover","params":{{parameters}}}""";
        Replies.AssertErrorCode(await client.SendRequestTextAsync(numeric, "31"), InvalidRequest, numeric);
        var text = $$"""{"jsonrpc":"2.0","id":"lsp4j-1","method":"initialize","params":{{parameters}}}""";
        Replies.AssertErrorCode(await client.SendRequestTextAsync(text, "\"lsp4j-1\""), InvalidRequest, text);
        await client.AssertStillAnswersCorrectlyAsync($"params {parameters}");
    }

    // Regression (server bug): params of the wrong shape (a string where an object goes, a number past int) were
    // answered InternalError, "failed inside the server"; they are the client's mistake: InvalidParams.
    [Theory]
    [InlineData("""{"textDocument":"file:///x.lft.yaml","position":{"line":0,"character":0}}""")]
    [InlineData("""{"textDocument":{"uri":"file:///x.lft.yaml"},"position":{"line":1e400,"character":0}}""")]
    [InlineData("""{"textDocument":{"uri":"file:///x.lft.yaml"},"position":{"line":"three","character":0}}""")]
    [InlineData("""{"textDocument":{"uri":"file:///x.lft.yaml"},"position":{"line":0}}""")]
    [InlineData("""{"textDocument":{"uri":"file:///x.lft.yaml"},"position":{"line":null,"character":0}}""")]
    public async Task Params_of_the_wrong_type_are_InvalidParams(string parameters)
    {
        await using var client = await RawLspClient.StartInitializedAsync();
        var message = $$"""{"jsonrpc":"2.0","id":"p","method":"textDocument/hover","params":{{parameters}}}""";
        Replies.AssertErrorCode(await client.SendRequestTextAsync(message, "\"p\""), InvalidParams, message);
        await client.AssertStillAnswersCorrectlyAsync($"params {parameters}");
    }
}
