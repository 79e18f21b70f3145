using System.Text;
using System.Text.Json.Nodes;
using static LspFineTune.Server.Tests.Robustness.Lsp;

namespace LspFineTune.Server.Tests.Robustness;

/// <summary>
/// Params that do not match their LSP type, for any method: a missing or null field LSP requires is InvalidParams
/// naming it (never a NullReferenceException, never InternalError); nesting beyond the limit gets an error to the
/// request's own id; text with lone surrogates is read (as U+FFFD, one UTF-16 unit like the surrogate, so positions
/// stay where they were), and a notification that cannot be taken is told to the user instead of dropped silently.
/// </summary>
public sealed class RequestParamsTests
{
    private const int InvalidParams = -32602;

    private static readonly string Yaml = Example("llama2-7b-lora.lft.yaml");

    [Theory]
    [InlineData("textDocument/inlayHint", """{"textDocument":{"uri":"URI"},"range":{"start":{"line":0,"character":0}}}""", "params.range.end is missing")]
    [InlineData("textDocument/inlayHint", """{"textDocument":{"uri":"URI"},"range":{"end":{"line":3,"character":0}}}""", "params.range.start is missing")]
    [InlineData("textDocument/inlayHint", """{"textDocument":{"uri":"URI"},"range":{"start":{"line":0},"end":{"line":3,"character":0}}}""", "params.range.start.character is missing")]
    [InlineData("textDocument/inlayHint", """{"textDocument":{"uri":"URI"},"range":{"start":null,"end":{"line":3,"character":0}}}""", "params.range.start is null")]
    [InlineData("textDocument/codeAction", """{"textDocument":{"uri":"URI"},"range":{},"context":{"diagnostics":[]}}""", "params.range.start and params.range.end are missing")]
    [InlineData("textDocument/hover", """{"textDocument":{"uri":"URI"},"position":{"character":1}}""", "params.position.line is missing")]
    [InlineData("textDocument/completion", """{"textDocument":{},"position":{"line":0,"character":0}}""", "params.textDocument.uri is missing")]
    [InlineData("textDocument/documentSymbol", """{"textDocument":{"uri":null}}""", "params.textDocument.uri is null")]
    [InlineData("textDocument/codeLens", """{"textDocument":{"uri":["URI"]}}""", "params.textDocument.uri has the wrong type")]
    [InlineData("textDocument/hover", """{"textDocument":{"uri":"URI"},"position":{"line":2147483648,"character":0}}""", "params.position.line has the wrong type or is out of range")]
    public async Task A_missing_or_wrong_field_is_InvalidParams_naming_it(string method, string parameters, string expected)
    {
        await using var client = await RawLspClient.StartInitializedAsync();
        var uri = ExampleUri($"params-{method.Replace('/', '-')}.lft.yaml");
        await client.OpenAsync(uri, Yaml);
        var message = $$"""{"jsonrpc":"2.0","id":"p","method":"{{method}}","params":{{parameters.Replace("URI", uri, StringComparison.Ordinal)}}}""";
        var reply = await client.SendRequestTextAsync(message, "\"p\"");
        Replies.AssertErrorCode(reply, InvalidParams, message);
        var text = (string?)reply["error"]?["message"] ?? "";
        Assert.Contains(expected, text, StringComparison.Ordinal);
        Assert.StartsWith(method, text, StringComparison.Ordinal);
        Assert.DoesNotContain("LspFineTune", text, StringComparison.Ordinal);
        await client.AssertStillAnswersCorrectlyAsync(message);
    }

    /// <summary>
    /// Params absent, or not an object (an array: LSP passes every method's params by name), get InvalidParams in the
    /// server's words, never StreamJsonRpc's account of .NET signatures; a $/ method sent as a request is MethodNotFound.
    /// </summary>
    [Theory]
    [InlineData("textDocument/hover", "", -32602, "params.textDocument.uri is missing")]
    [InlineData("workspace/executeCommand", "", -32602, "params.command is missing")]
    [InlineData("textDocument/inlayHint", ""","params":[{"uri":"file:///x.lft.yaml"}]""", -32602, "params must be an object")]
    [InlineData("textDocument/codeLens", ""","params":[]""", -32602, "params must be an object")]
    [InlineData("$/cancelRequest", ""","params":{"id":{}}""", -32601, "$/ methods are notifications")]
    [InlineData("$/setTrace", ""","params":{"value":"off"}""", -32601, "$/ methods are notifications")]
    public async Task Params_absent_or_not_an_object_are_answered_in_the_servers_words(string method, string parameters, int code, string expected)
    {
        await using var client = await RawLspClient.StartInitializedAsync();
        var message = $$"""{"jsonrpc":"2.0","id":"w","method":"{{method}}"{{parameters}}}""";
        var reply = await client.SendRequestTextAsync(message, "\"w\"");
        Replies.AssertErrorCode(reply, code, message);
        var text = (string?)reply["error"]?["message"] ?? "";
        Assert.Contains(expected, text, StringComparison.Ordinal);
        Assert.DoesNotContain("Unable to find method", text, StringComparison.Ordinal);
        Assert.DoesNotContain("LspFineTune", text, StringComparison.Ordinal);
        await client.AssertStillAnswersCorrectlyAsync(message);
    }

    /// <summary>A whole range is still optional for inlay hints (the whole document), and a good one filters them.</summary>
    [Fact]
    public async Task InlayHints_without_a_range_cover_the_document_and_a_whole_range_filters_them()
    {
        await using var client = await RawLspClient.StartInitializedAsync();
        var uri = ExampleUri("inlay-ranges.lft.yaml");
        await client.OpenAsync(uri, Yaml);
        var all = Replies.Result(await client.AskAsync("textDocument/inlayHint", new JsonObject { ["textDocument"] = Doc(uri) }, "no range"), "no range")!.AsArray();
        var top = Replies.Result(await client.AskAsync("textDocument/inlayHint", new JsonObject { ["textDocument"] = Doc(uri), ["range"] = Lsp.Range(0, 0, 0, 0) }, "line 0"), "line 0")!.AsArray();
        Assert.NotEmpty(all);
        Assert.Single(top);
        Assert.True(all.Count >= top.Count);
    }

    /// <summary>Nesting far beyond the limit (64) costs the request only: an error to its own id, not id null.</summary>
    [Theory]
    [InlineData(65)]
    [InlineData(5_000)]
    [InlineData(200_000)]
    public async Task Deeply_nested_params_get_an_error_with_the_requests_id(int depth)
    {
        await using var client = await RawLspClient.StartInitializedAsync();
        var nested = new StringBuilder();
        for (var i = 0; i < depth; i++)
            nested.Append("{\"textDocument\":");
        nested.Append("null").Append('}', depth);
        foreach (var id in new[] { "\"deep\"", "4242" })
        {
            var message = $$"""{"jsonrpc":"2.0","id":{{id}},"method":"textDocument/hover","params":{{nested}}}""";
            var reply = await client.SendRequestTextAsync(message, id);
            Replies.AssertErrorCode(reply, InvalidParams, $"params nested {depth} deep");
            Assert.Contains("64", (string?)reply["error"]?["message"], StringComparison.Ordinal);
        }
        // The same with the id after the params: it is still found.
        var late = $$"""{"jsonrpc":"2.0","method":"textDocument/hover","params":{{nested}},"id":"late"}""";
        Replies.AssertErrorCode(await client.SendRequestTextAsync(late, "\"late\""), InvalidParams, $"params nested {depth} deep, id last");
        Assert.Empty(client.UnmatchedReplies);
        await client.AssertStillAnswersCorrectlyAsync($"params nested {depth} deep");
    }

    /// <summary>
    /// A didOpen whose text holds lone surrogates (a JavaScript client sends them as \uD800 escapes) is opened and
    /// analysed: the surrogate reads as U+FFFD, and positions after it still point at the same keys.
    /// </summary>
    [Theory]
    [InlineData("# a lone high surrogate \uD800 in a comment\n")]
    [InlineData("# a lone low surrogate \uDC00 and a reversed pair \uDC00\uD800\n")]
    [InlineData("# a surrogate at the very end of a line \uDBFF\n")]
    public async Task A_document_with_lone_surrogates_is_opened_and_gets_diagnostics(string firstLine)
    {
        await using var client = await RawLspClient.StartInitializedAsync();
        var uri = ExampleUri("lone-surrogate.lft.yaml");
        await client.OpenAsync(uri, firstLine + Yaml);
        await client.WaitForDiagnosticsAsync(uri, "didOpen with a lone surrogate");
        Assert.Contains("hardware", await client.TopSymbolsAsync(uri, "didOpen with a lone surrogate"));
        // Line 10 of the example is "  gpu: a100-80gb"; one line was added above it.
        var hover = await client.AskAsync("textDocument/hover", AtPosition(uri, 11, 4), "hover after a lone surrogate");
        Assert.Contains("hardware.gpu", (string?)Replies.Result(hover, "hover")?["contents"]?["value"] ?? "", StringComparison.Ordinal);

        // An edit that inserts one after the first line keeps the document in step with the editor too.
        await client.ChangeAsync(uri, 2, Edit(Lsp.Range(1, 0, 1, 0), "# \uDFFF\n"));
        hover = await client.AskAsync("textDocument/hover", AtPosition(uri, 12, 4), "hover after an inserted lone surrogate");
        Assert.Contains("hardware.gpu", (string?)Replies.Result(hover, "hover")?["contents"]?["value"] ?? "", StringComparison.Ordinal);
        Assert.DoesNotContain(client.LogMessages(), m => m.Contains("ignored", StringComparison.Ordinal));
    }

    /// <summary>Bytes that are not UTF-8 inside the text of a didOpen read as U+FFFD too: the document is opened, not dropped.</summary>
    [Fact]
    public async Task A_document_with_bytes_that_are_not_UTF8_is_opened_and_gets_diagnostics()
    {
        await using var client = await RawLspClient.StartInitializedAsync();
        var uri = ExampleUri("not-utf8.lft.yaml");
        var start = Encoding.UTF8.GetBytes("""{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":{"uri":""" + Fuzz.JsonString(uri)
            + ""","languageId":"yaml","version":1,"text":"# broken bytes: """);
        var rest = Encoding.UTF8.GetBytes(Fuzz.JsonString("\n" + Yaml)[1..] + "}}}");
        await client.SendFrameAsync([.. start, 0xFF, 0xC3, 0x28, 0xED, 0xA0, 0x80, .. rest]);
        await client.WaitForDiagnosticsAsync(uri, "didOpen with bytes that are not UTF-8");
        Assert.Contains("hardware", await client.TopSymbolsAsync(uri, "didOpen with bytes that are not UTF-8"));
        var hover = await client.AskAsync("textDocument/hover", AtPosition(uri, 11, 4), "hover after bytes that are not UTF-8");
        Assert.Contains("hardware.gpu", (string?)Replies.Result(hover, "hover")?["contents"]?["value"] ?? "", StringComparison.Ordinal);
    }

    /// <summary>A URI with a lone surrogate is just a URI the server does not have: an empty answer.</summary>
    [Fact]
    public async Task A_uri_with_a_lone_surrogate_is_an_unknown_document()
    {
        await using var client = await RawLspClient.StartInitializedAsync();
        var message = """{"jsonrpc":"2.0","id":"s","method":"textDocument/hover","params":{"textDocument":{"uri":"file:///\uD800.lft.yaml"},"position":{"line":0,"character":0}}}""";
        Assert.Null(Replies.Result(await client.SendRequestTextAsync(message, "\"s\""), message));
        var command = """{"jsonrpc":"2.0","id":"c","method":"workspace/executeCommand","params":{"command":"lft.showBreakdown","arguments":["file:///\uDC00.lft.yaml"]}}""";
        Replies.AssertErrorCode(await client.SendRequestTextAsync(command, "\"c\""), -32803, command);
    }

    /// <summary>A notification has no reply; one the server cannot take is named in the editor's log view.</summary>
    [Theory]
    [InlineData("textDocument/didOpen", """{"textDocument":{"uri":"file:///no-version.lft.yaml","languageId":"yaml","text":"a: 1"}}""", "params.textDocument.version is missing")]
    [InlineData("textDocument/didOpen", """{"textDocument":{"uri":"file:///no-text.lft.yaml","languageId":"yaml","version":1,"text":null}}""", "params.textDocument.text is null")]
    [InlineData("textDocument/didChange", """{"textDocument":{"uri":"file:///x.lft.yaml","version":2},"contentChanges":[{"range":{"start":{"line":0,"character":0}},"text":"x"}]}""", "params.contentChanges[0].range.end is missing")]
    [InlineData("textDocument/didOpen", """[{"uri":"file:///array.lft.yaml"}]""", "params must be an object")]
    [InlineData("textDocument/didClose", "null", "without params")]
    public async Task A_notification_with_bad_params_is_told_to_the_user(string method, string parameters, string expected)
    {
        await using var client = await RawLspClient.StartInitializedAsync();
        await client.SendTextAsync($$"""{"jsonrpc":"2.0","method":"{{method}}","params":{{parameters}}}""");
        await client.AssertStillAnswersCorrectlyAsync($"{method} with bad params");
        Assert.Contains(client.LogMessages(), m => m.Contains($"{method} was ignored", StringComparison.Ordinal) && m.Contains(expected, StringComparison.Ordinal));
    }
}
