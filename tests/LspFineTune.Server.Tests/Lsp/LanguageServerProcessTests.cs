using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;

namespace LspFineTune.Server.Tests.Lsp;

/// <summary>`lft lsp` as the real process an editor starts: stdio framing, string request ids, exit codes, the client watch.</summary>
public sealed class LanguageServerProcessTests
{
    private sealed class ServerProcess : IDisposable
    {
        private readonly Process _process;
        private readonly Stream _output;

        public ServerProcess()
        {
            var dotnet = Packaging.ProcessRun.Dotnet;
            var start = new ProcessStartInfo(dotnet)
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
            };
            start.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "lft.dll"));
            start.ArgumentList.Add("lsp");
            start.ArgumentList.Add("--stdio");
            _process = Process.Start(start)!;
            _process.ErrorDataReceived += (_, e) => { };
            _process.BeginErrorReadLine();
            _output = _process.StandardOutput.BaseStream;
        }

        public void Send(JsonNode message)
        {
            var body = Encoding.UTF8.GetBytes(message.ToJsonString());
            var input = _process.StandardInput.BaseStream;
            input.Write(Encoding.ASCII.GetBytes($"Content-Length: {body.Length}\r\n\r\n"));
            input.Write(body);
            input.Flush();
        }

        /// <summary>Reads one framed message (test-side framing, independent of the server's library).</summary>
        public JsonNode Receive()
        {
            var header = new StringBuilder();
            while (!header.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
            {
                var b = _output.ReadByte();
                Assert.NotEqual(-1, b);
                header.Append((char)b);
            }
            var length = int.Parse(header.ToString().Split("\r\n").Single(l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase))["Content-Length:".Length..].Trim());
            var body = new byte[length];
            _output.ReadExactly(body);
            return JsonNode.Parse(body)!;
        }

        public int WaitForExit()
        {
            Assert.True(_process.WaitForExit(TimeSpan.FromSeconds(20)), "lft lsp did not exit");
            return _process.ExitCode;
        }

        public void Dispose()
        {
            if (!_process.HasExited)
                _process.Kill(entireProcessTree: true);
            _process.Dispose();
        }
    }

    [Fact]
    public void Answers_string_request_ids_as_LSP4J_sends_them_and_exits_0_after_shutdown()
    {
        using var server = new ServerProcess();
        server.Send(new JsonObject { ["jsonrpc"] = "2.0", ["id"] = "1", ["method"] = "initialize", ["params"] = new JsonObject { ["processId"] = null, ["capabilities"] = new JsonObject() } });
        var reply = server.Receive();
        Assert.Equal("1", (string)reply["id"]!);
        Assert.True((bool)reply["result"]!["capabilities"]!["hoverProvider"]!);

        server.Send(new JsonObject { ["jsonrpc"] = "2.0", ["id"] = "shutdown-2", ["method"] = "shutdown" });
        Assert.Equal("shutdown-2", (string)server.Receive()["id"]!);
        server.Send(new JsonObject { ["jsonrpc"] = "2.0", ["method"] = "exit" });
        Assert.Equal(0, server.WaitForExit());
    }

    [Fact]
    public void Exits_when_the_editor_process_named_in_initialize_dies()
    {
        using var editor = Process.Start(new ProcessStartInfo("sleep", "60") { UseShellExecute = false })!;
        using var server = new ServerProcess();
        server.Send(new JsonObject { ["jsonrpc"] = "2.0", ["id"] = 1, ["method"] = "initialize", ["params"] = new JsonObject { ["processId"] = editor.Id, ["capabilities"] = new JsonObject() } });
        server.Receive();

        editor.Kill();
        Assert.Equal(1, server.WaitForExit());
    }
}
