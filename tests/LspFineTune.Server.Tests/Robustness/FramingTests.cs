using System.Text;

namespace LspFineTune.Server.Tests.Robustness;

/// <summary>
/// Broken frames, kept apart from the fuzzing because their correct outcome differs. A body that is not JSON-RPC inside
/// a correct frame costs only that message (see the other tests). A broken header loses the stream position, so the
/// server may end the connection: what it must not do is crash the process or hang; RunAsync must finish. A
/// Content-Length that is too long is not tested: any reader legitimately waits for the promised bytes.
/// </summary>
public sealed class FramingTests
{
    /// <summary>Waits for the server to stop serving; fails (rather than hanging the suite) if it never does.</summary>
    private static async Task<int> ServerEndsAsync(RawLspClient client, string what)
    {
        var finished = await Task.WhenAny(client.ServerRun, Task.Delay(RawLspClient.ReplyTimeout));
        Assert.True(finished == client.ServerRun, $"the server neither served nor ended after {what}\nlog:\n{client.Log}");
        return await client.ServerRun;
    }

    /// <summary>
    /// Too short: the first bytes of a message are read as its body (ParseError, id null), then the rest of it
    /// arrives where a header is expected. Documented behaviour: the server ends the connection, exit code 0,
    /// like a closed stream; the process is unharmed.
    /// </summary>
    [Fact]
    public async Task A_Content_Length_that_is_too_short_ends_the_connection_cleanly()
    {
        await using var client = await RawLspClient.StartInitializedAsync();
        var body = Encoding.UTF8.GetBytes("""{"jsonrpc":"2.0","id":"short","method":"textDocument/hover","params":{}}""");
        await client.SendRawAsync([.. Encoding.ASCII.GetBytes($"Content-Length: {body.Length / 2}\r\n\r\n"), .. body]);
        await client.SendTextAsync("""{"jsonrpc":"2.0","id":"after","method":"shutdown"}""");
        Assert.Equal(0, await ServerEndsAsync(client, "a Content-Length that is too short"));
        // The half body got the one reply JSON-RPC allows for it.
        Assert.All(client.UnmatchedReplies, r => Replies.AssertProper(r, "null", "the reply to half a message"));
        Assert.Contains("the client closed the connection", client.Log, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("garbage without a colon\r\n\r\n")]
    // An empty body: StreamJsonRpc's reader fails before the formatter sees it, so it counts as a broken frame.
    [InlineData("Content-Length: 0\r\n\r\n")]
    [InlineData("Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n{}")]
    [InlineData("Content-Length: banana\r\n\r\n{}")]
    [InlineData("Content-Length: -5\r\n\r\n{}")]
    [InlineData("Content-Length: 99999999999999999999\r\n\r\n{}")]
    [InlineData("Content-Length: 2\r\nContent-Type: application/json; charset=latin-17\r\n\r\n{}")]
    // StreamJsonRpc matches header names case-sensitively, so a lower-case Content-Length is no Content-Length.
    [InlineData("content-length: 2\r\n\r\n{}")]
    public async Task A_broken_header_ends_the_connection_without_crashing(string frame)
    {
        await using var client = await RawLspClient.StartInitializedAsync();
        await client.SendRawAsync(Encoding.ASCII.GetBytes(frame));
        Assert.Equal(0, await ServerEndsAsync(client, $"header {frame}"));
        Assert.Empty(client.ProtocolViolations);
    }

    /// <summary>A header that is merely unusual (extra fields, odd spacing, a Content-Type) is fine.</summary>
    [Theory]
    [InlineData("Content-Length:    {0}   \r\nX-Custom: 1\r\n\r\n")]
    [InlineData("Content-Length: {0}\r\nContent-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n")]
    public async Task An_unusual_but_valid_header_is_served(string header)
    {
        await using var client = await RawLspClient.StartInitializedAsync();
        var body = Encoding.UTF8.GetBytes("""{"jsonrpc":"2.0","id":"odd","method":"textDocument/hover","params":{"textDocument":{"uri":"file:///none.lft.yaml"},"position":{"line":0,"character":0}}}""");
        var waiter = client.Expect("\"odd\"");
        await client.SendRawAsync([.. Encoding.ASCII.GetBytes(string.Format(System.Globalization.CultureInfo.InvariantCulture, header, body.Length)), .. body]);
        var reply = await client.WaitAsync(waiter, "\"odd\"", header);
        Replies.AssertProper(reply, "\"odd\"", header);
        await client.AssertStillAnswersCorrectlyAsync($"header {header}");
    }

    [Fact]
    public async Task Closing_the_connection_mid_frame_ends_the_server_with_code_0()
    {
        var client = await RawLspClient.StartInitializedAsync();
        await client.SendRawAsync(Encoding.ASCII.GetBytes("Content-Length: 100\r\n\r\n{\"jsonrpc\""));
        client.CloseConnection();
        Assert.Equal(0, await ServerEndsAsync(client, "closing mid-frame"));
        await client.DisposeAsync();
    }
}
