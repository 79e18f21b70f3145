using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using static LspFineTune.Server.Tests.Robustness.Lsp;

namespace LspFineTune.Server.Tests.Robustness;

/// <summary>
/// The frames themselves (LSP base protocol: header fields, an empty line, Content-Length bytes). A header that is
/// merely unusual is served; a broken one costs only its own frame: it gets a proper error (to its id when its body
/// shows one, else id null) and the next frame is read and answered. Only the end of the stream ends the server.
/// </summary>
public sealed class FramingTests
{
    private const int ParseError = -32700;
    private const int InvalidRequest = -32600;

    private static string Hover(string id) =>
        """{"jsonrpc":"2.0","id":""" + id + ""","method":"textDocument/hover","params":{"textDocument":{"uri":"file:///none.lft.yaml"},"position":{"line":0,"character":0}}}""";

    private static byte[] Bytes(string text) => Encoding.UTF8.GetBytes(text);

    /// <summary>Sends <paramref name="frame"/> (anything), then a good request; that request must be answered with its id.</summary>
    private static async Task AssertNextFrameIsServedAsync(RawLspClient client, byte[] frame, string context)
    {
        var id = Fuzz.JsonString("after-" + client.NewId());
        var waiter = client.Expect(id);
        var body = Bytes(Hover(id));
        await client.SendRawAsync([.. frame, .. Encoding.ASCII.GetBytes($"Content-Length: {body.Length}\r\n\r\n"), .. body]);
        Replies.AssertProper(await client.WaitAsync(waiter, id, context), id, context);
        await client.AssertStillAnswersCorrectlyAsync(context);
        Assert.Empty(client.ProtocolViolations);
        Assert.All(client.UnmatchedReplies, r => Replies.AssertProper(r, "null", $"the reply to {context}"));
    }

    /// <summary>
    /// The rest of a body whose Content-Length was too short runs into the next header on the same line: it is skipped
    /// up to that header, so only the cut message is lost (it got a ParseError, id null).
    /// </summary>
    [Fact]
    public async Task A_Content_Length_that_is_too_short_costs_only_that_message()
    {
        await using var client = await RawLspClient.StartInitializedAsync();
        var body = Bytes(Hover("\"short\""));
        await AssertNextFrameIsServedAsync(client, [.. Encoding.ASCII.GetBytes($"Content-Length: {body.Length / 2}\r\n\r\n"), .. body], "a Content-Length that is too short");
        Assert.Contains(client.UnmatchedReplies, r => Replies.ErrorCode(r) == ParseError);
    }

    [Theory]
    [InlineData("garbage without a colon\r\n\r\n")]
    [InlineData("Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n{}")]
    [InlineData("Content-Length: banana\r\n\r\n{}")]
    [InlineData("Content-Length: -5\r\n\r\n{}")]
    [InlineData("Content-Length: 1e3\r\n\r\n{}")]
    [InlineData("Content-Length: 0x10\r\n\r\n{}")]
    [InlineData("Content-Length:\r\n\r\n{}")]
    [InlineData("Content-Length: 99999999999999999999\r\n\r\n{}")]
    [InlineData("Content-Length: 9223372036854775807\r\n\r\n{}")]
    [InlineData("Content-Length: 2\r\nContent-Length: 3\r\n\r\n{}")]
    [InlineData("\u0000\u0001\u0002 binary \u00ff between frames")]
    public async Task A_broken_header_gets_an_error_and_the_next_frame_is_served(string frame)
    {
        await using var client = await RawLspClient.StartInitializedAsync();
        await AssertNextFrameIsServedAsync(client, Encoding.Latin1.GetBytes(frame), $"header {frame}");
        Assert.Contains("skipped", client.Log, StringComparison.Ordinal);
    }

    /// <summary>An empty body is a frame like any other: ParseError (id null), never the end of the server.</summary>
    [Fact]
    public async Task An_empty_body_is_a_ParseError_and_the_next_frame_is_served()
    {
        await using var client = await RawLspClient.StartInitializedAsync();
        await AssertNextFrameIsServedAsync(client, Bytes("Content-Length: 0\r\n\r\n"), "Content-Length: 0");
        var error = Assert.Single(client.UnmatchedReplies);
        Replies.AssertErrorCode(error, ParseError, "Content-Length: 0");
        Assert.Contains("empty", (string?)error["error"]?["message"], StringComparison.Ordinal);
    }

    /// <summary>A header without an end (no empty line within 8 KiB) is given up on; what follows is served.</summary>
    [Fact]
    public async Task A_header_longer_than_the_limit_is_skipped()
    {
        await using var client = await RawLspClient.StartInitializedAsync();
        await AssertNextFrameIsServedAsync(client, Bytes("X-Padding: " + new string('a', 20_000) + "\r\n"), "a 20,000-byte header line");
    }

    /// <summary>A charset LSP does not allow costs the message, whose length is known: InvalidRequest to its id.</summary>
    [Fact]
    public async Task An_unsupported_charset_is_InvalidRequest_to_the_messages_id()
    {
        await using var client = await RawLspClient.StartInitializedAsync();
        var body = Bytes(Hover("\"latin\""));
        var waiter = client.Expect("\"latin\"");
        await client.SendRawAsync([.. Encoding.ASCII.GetBytes($"Content-Length: {body.Length}\r\nContent-Type: application/json; charset=latin-17\r\n\r\n"), .. body]);
        var reply = await client.WaitAsync(waiter, "\"latin\"", "charset=latin-17");
        Replies.AssertErrorCode(reply, InvalidRequest, "charset=latin-17");
        Assert.Contains("UTF-8", (string?)reply["error"]?["message"], StringComparison.Ordinal);
        await client.AssertStillAnswersCorrectlyAsync("charset=latin-17");
    }

    /// <summary>
    /// A body larger than the server reads (64 MiB) is not buffered: the error goes to the id its start shows, and the
    /// server reads on at the next header. (Header and start of the body go in one write, as a client writes a frame.)
    /// </summary>
    [Fact]
    public async Task A_body_beyond_the_limit_is_refused_to_its_id_without_reading_it()
    {
        await using var client = await RawLspClient.StartInitializedAsync();
        var start = Bytes(Hover("\"huge\"")[..^1] + ",\"padding\":\"");
        var waiter = client.Expect("\"huge\"");
        await AssertNextFrameIsServedAsync(client, [.. Encoding.ASCII.GetBytes("Content-Length: 2000000000\r\n\r\n"), .. start], "Content-Length: 2000000000");
        var reply = await client.WaitAsync(waiter, "\"huge\"", "Content-Length: 2000000000");
        Replies.AssertErrorCode(reply, InvalidRequest, "Content-Length: 2000000000");
        Assert.Contains("64 MiB", (string?)reply["error"]?["message"], StringComparison.Ordinal);
    }

    /// <summary>Header names are case-insensitive (as in HTTP, whose format LSP's header uses); other fields are ignored.</summary>
    [Theory]
    [InlineData("content-length: {0}\r\n\r\n")]
    [InlineData("CONTENT-LENGTH: {0}\r\n\r\n")]
    [InlineData("Content-length:{0}\r\n\r\n")]
    [InlineData("Content-Length:    {0}   \r\nX-Custom: 1\r\n\r\n")]
    [InlineData("Content-Length: {0}\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n")]
    [InlineData("content-type: application/vscode-jsonrpc; charset=\"UTF-8\"\r\ncontent-length: {0}\r\n\r\n")]
    [InlineData("Content-Length: {0}\r\nContent-Type: application/vscode-jsonrpc; charset=utf8\r\n\r\n")]
    [InlineData("Content-Length: {0}\r\nContent-Length: {0}\r\n\r\n")]
    [InlineData("Content-Length: 000{0}\r\n\r\n")]
    [InlineData("\r\n\r\nContent-Length: {0}\r\n\r\n")]
    [InlineData("Content-Length: {0}\n\n")]
    public async Task An_unusual_but_valid_header_is_served(string header)
    {
        await using var client = await RawLspClient.StartInitializedAsync();
        var body = Bytes(Hover("\"odd\""));
        var waiter = client.Expect("\"odd\"");
        await client.SendRawAsync([.. Encoding.ASCII.GetBytes(string.Format(CultureInfo.InvariantCulture, header, body.Length)), .. body]);
        var reply = await client.WaitAsync(waiter, "\"odd\"", header);
        Replies.AssertProper(reply, "\"odd\"", header);
        Assert.True(reply.ContainsKey("result"), $"header {header} was not served: {reply.ToJsonString()}");
        await client.AssertStillAnswersCorrectlyAsync($"header {header}");
        Assert.Empty(client.UnmatchedReplies);
    }

    /// <summary>A document sent in a frame with a lower-case header gets its diagnostics like any other.</summary>
    [Fact]
    public async Task A_didOpen_in_a_lower_case_frame_gets_diagnostics()
    {
        await using var client = await RawLspClient.StartInitializedAsync();
        var uri = ExampleUri("lower-case-frame.lft.yaml");
        var body = Bytes(new JsonObject
        {
            ["jsonrpc"] = "2.0", ["method"] = "textDocument/didOpen",
            ["params"] = new JsonObject { ["textDocument"] = new JsonObject { ["uri"] = uri, ["languageId"] = "yaml", ["version"] = 1, ["text"] = Example("llama2-7b-lora.lft.yaml") } },
        }.ToJsonString());
        await client.SendRawAsync([.. Encoding.ASCII.GetBytes($"content-length: {body.Length}\r\n\r\n"), .. body]);
        Assert.Contains("model", await client.TopSymbolsAsync(uri, "lower-case didOpen"));
        await client.WaitForDiagnosticsAsync(uri, "lower-case didOpen");
    }

    [Fact]
    public async Task Closing_the_connection_mid_frame_ends_the_server_with_code_0()
    {
        var client = await RawLspClient.StartInitializedAsync();
        await client.SendRawAsync(Encoding.ASCII.GetBytes("Content-Length: 100\r\n\r\n{\"jsonrpc\""));
        client.CloseConnection();
        var finished = await Task.WhenAny(client.ServerRun, Task.Delay(RawLspClient.ReplyTimeout));
        Assert.True(finished == client.ServerRun, $"the server did not end after its client went away mid-frame\nlog:\n{client.Log}");
        Assert.Equal(0, await client.ServerRun);
        await client.DisposeAsync();
    }

    [Fact]
    public async Task Closing_the_connection_mid_header_ends_the_server_with_code_0()
    {
        var client = await RawLspClient.StartInitializedAsync();
        await client.SendRawAsync(Encoding.ASCII.GetBytes("Content-Len"));
        client.CloseConnection();
        Assert.Equal(0, await client.ServerRun.WaitAsync(RawLspClient.ReplyTimeout));
        await client.DisposeAsync();
    }
}
