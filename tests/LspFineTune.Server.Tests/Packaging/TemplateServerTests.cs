using System.Diagnostics;
using System.Text;
using System.Text.Json.Nodes;

namespace LspFineTune.Server.Tests.Packaging;

/// <summary>
/// The LSP4IJ template's command line, started as LSP4IJ starts it (split its way, `lft` found on PATH where
/// `dotnet tool install` put it), driven the way LSP4J drives it: string request ids, initializationOptions.json as
/// initializationOptions, settings.json answering workspace/configuration and pushed with didChangeConfiguration.
/// The messages are framed and parsed here, independently of the server's JSON-RPC library.
/// </summary>
[Collection(PackagingCollection.Name)]
public sealed class TemplateServerTests(PackedTool tool)
{
    private static readonly TimeSpan ReplyTimeout = TimeSpan.FromSeconds(60);

    /// <summary>`lft lsp` started from the template's command line, with a minimal LSP4J-like client on its stdio.</summary>
    private sealed class TemplateServer : IDisposable
    {
        private readonly Process _process;
        private readonly Stream _output;
        private readonly StringBuilder _stderr = new();

        public TemplateServer(PackedTool tool, JsonObject? settings)
        {
            Settings = settings;
            var command = Lsp4ijTemplate.SplitCommandLine(CommandLine());
            Assert.True(command.Count >= 2 && command[0] == "lft" && command[1] == "lsp", $"template.json programArgs start `{string.Join(' ', command)}`, not `lft lsp`");
            // Process.Start looks a bare name up on the *test's* PATH; resolve it on the PATH the child gets, as the OS does for the IDE.
            var program = Resolve(command[0], tool.PathWithTool);
            var start = new ProcessStartInfo(program)
            {
                RedirectStandardInput = true,
                RedirectStandardOutput = true,
                RedirectStandardError = true,
                UseShellExecute = false,
                WorkingDirectory = Repo.Root,
            };
            foreach (var arg in command.Skip(1))
                start.ArgumentList.Add(arg);
            ProcessRun.Clean(start);
            start.Environment["PATH"] = tool.PathWithTool;
            _process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {program}");
            _process.ErrorDataReceived += (_, e) => { lock (_stderr) _stderr.AppendLine(e.Data); };
            _process.BeginErrorReadLine();
            _output = _process.StandardOutput.BaseStream;
        }

        /// <summary>What workspace/configuration is answered from (LSP4IJ: settings.json); null: the client lacks the capability.</summary>
        public JsonObject? Settings { get; }

        public string Stderr { get { lock (_stderr) return _stderr.ToString(); } }

        private static string CommandLine()
        {
            var programArgs = Assert.IsType<JsonObject>(Lsp4ijTemplate.Read("template.json")["programArgs"]);
            // LSP4IJ picks the entry for the IDE's OS ("windows", "mac", "unix") and falls back to "default".
            var key = OperatingSystem.IsWindows() ? "windows" : OperatingSystem.IsMacOS() ? "mac" : "unix";
            return (string)(programArgs[key] ?? programArgs["default"])!;
        }

        private static string Resolve(string name, string path)
        {
            var names = OperatingSystem.IsWindows() ? new[] { name + ".exe", name + ".cmd", name } : new[] { name };
            foreach (var dir in path.Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
            {
                foreach (var candidate in names.Select(n => Path.Combine(dir, n)))
                {
                    if (File.Exists(candidate))
                        return candidate;
                }
            }
            throw new Xunit.Sdk.XunitException($"`{name}` is not on PATH ({path})");
        }

        public void Send(JsonObject message)
        {
            message["jsonrpc"] = "2.0";
            var body = Encoding.UTF8.GetBytes(message.ToJsonString());
            var input = _process.StandardInput.BaseStream;
            input.Write(Encoding.ASCII.GetBytes($"Content-Length: {body.Length}\r\n\r\n"));
            input.Write(body);
            input.Flush();
        }

        public void Notify(string method, JsonNode? parameters) => Send(new JsonObject { ["method"] = method, ["params"] = parameters });

        /// <summary>
        /// Sends a request with a string id and returns its reply, answering what the server asks meanwhile as LSP4IJ
        /// would (workspace/configuration from <see cref="Settings"/>, null to the rest) and collecting notifications.
        /// </summary>
        public JsonObject Request(string id, string method, JsonNode? parameters, List<JsonObject>? notifications = null)
        {
            Send(new JsonObject { ["id"] = id, ["method"] = method, ["params"] = parameters });
            var deadline = DateTime.UtcNow + ReplyTimeout;
            while (true)
            {
                Assert.True(DateTime.UtcNow < deadline, $"no reply to {method} (id \"{id}\") in {ReplyTimeout.TotalSeconds:0} s; server log:\n{Stderr}");
                var message = Receive();
                if (message["method"] is null)
                {
                    if (message["id"]?.ToJsonString() == $"\"{id}\"")
                        return message;
                    continue;
                }
                if (message["id"] is { } requestId)
                    Send(new JsonObject { ["id"] = requestId.DeepClone(), ["result"] = AnswerTo((string)message["method"]!, message["params"]) });
                else
                    notifications?.Add(message);
            }
        }

        private JsonNode? AnswerTo(string method, JsonNode? parameters)
        {
            if (method != "workspace/configuration" || Settings is null)
                return null;
            var answers = new JsonArray();
            foreach (var item in parameters!["items"]!.AsArray())
                answers.Add(Lsp4ijTemplate.FindSettings(Settings, (string?)item!["section"]));
            return answers;
        }

        /// <summary>One framed message: headers up to a blank line, then Content-Length bytes of JSON.</summary>
        private JsonObject Receive()
        {
            var header = new StringBuilder();
            while (!header.ToString().EndsWith("\r\n\r\n", StringComparison.Ordinal))
            {
                var b = _output.ReadByte();
                Assert.True(b != -1, $"lft lsp closed its output (exit {(_process.HasExited ? _process.ExitCode : "none yet")}); server log:\n{Stderr}");
                header.Append((char)b);
            }
            var lengthLine = header.ToString().Split("\r\n").Single(l => l.StartsWith("Content-Length:", StringComparison.OrdinalIgnoreCase));
            var body = new byte[int.Parse(lengthLine["Content-Length:".Length..].Trim(), System.Globalization.CultureInfo.InvariantCulture)];
            _output.ReadExactly(body);
            return Assert.IsType<JsonObject>(JsonNode.Parse(body));
        }

        public int WaitForExit()
        {
            Assert.True(_process.WaitForExit(TimeSpan.FromSeconds(20)), $"lft lsp did not exit after `exit`; server log:\n{Stderr}");
            return _process.ExitCode;
        }

        public void Dispose()
        {
            if (!_process.HasExited)
                _process.Kill(entireProcessTree: true);
            _process.Dispose();
        }
    }

    /// <summary>The capabilities of LSP4IJ's client that matter here (LSP4J 0.2x): configuration pull, markdown hover.</summary>
    private static JsonObject Lsp4jCapabilities(bool configuration) => new()
    {
        ["workspace"] = new JsonObject
        {
            ["configuration"] = configuration,
            ["applyEdit"] = true,
            ["didChangeConfiguration"] = new JsonObject { ["dynamicRegistration"] = true },
        },
        ["window"] = new JsonObject { ["workDoneProgress"] = true },
        ["textDocument"] = new JsonObject
        {
            ["hover"] = new JsonObject { ["contentFormat"] = new JsonArray("markdown", "plaintext") },
            ["publishDiagnostics"] = new JsonObject { ["relatedInformation"] = true },
        },
    };

    private static JsonObject InitializeParams(JsonNode? initializationOptions, bool configuration) => new()
    {
        ["processId"] = Environment.ProcessId,
        ["clientInfo"] = new JsonObject { ["name"] = "LSP4IJ (packaging test)" },
        ["rootUri"] = new Uri(Repo.Root).AbsoluteUri,
        ["capabilities"] = Lsp4jCapabilities(configuration),
        ["initializationOptions"] = initializationOptions,
    };

    /// <summary>Opens examples/llama2-7b-lora.lft.yaml and returns the hover on its first line (the whole estimate).</summary>
    private static string HoverOnExample(TemplateServer server, string id)
    {
        var path = Repo.Example("llama2-7b-lora.lft.yaml");
        var uri = new Uri(path).AbsoluteUri;
        server.Notify("textDocument/didOpen", new JsonObject
        {
            ["textDocument"] = new JsonObject { ["uri"] = uri, ["languageId"] = "yaml", ["version"] = 1, ["text"] = File.ReadAllText(path) },
        });
        var reply = server.Request(id, "textDocument/hover", new JsonObject
        {
            ["textDocument"] = new JsonObject { ["uri"] = uri },
            ["position"] = new JsonObject { ["line"] = 0, ["character"] = 0 },
        });
        Assert.True(reply["error"] is null, $"hover failed: {reply.ToJsonString()}\nserver log:\n{server.Stderr}");
        return (string?)reply["result"]?["contents"]?["value"] ?? throw new Xunit.Sdk.XunitException($"no markdown hover: {reply.ToJsonString()}");
    }

    private static void ShutdownAndExit(TemplateServer server, string id)
    {
        var reply = server.Request(id, "shutdown", null);
        Assert.True(reply["error"] is null, $"shutdown failed: {reply.ToJsonString()}");
        server.Notify("exit", null);
        Assert.Equal(0, server.WaitForExit());
    }

    [Fact]
    public void Template_command_runs_the_installed_tool_with_the_template_settings_over_string_ids()
    {
        var settings = Lsp4ijTemplate.Expand(Lsp4ijTemplate.Read("settings.json"));
        using var server = new TemplateServer(tool, settings);

        var initialize = server.Request("1", "initialize", InitializeParams(Lsp4ijTemplate.Read("initializationOptions.json"), configuration: true));
        Assert.True(initialize["error"] is null, $"initialize failed: {initialize.ToJsonString()}\nserver log:\n{server.Stderr}");
        Assert.Equal("\"1\"", initialize["id"]!.ToJsonString());
        var capabilities = initialize["result"]!["capabilities"]!;
        Assert.True((bool)capabilities["hoverProvider"]!, capabilities.ToJsonString());
        Assert.NotNull(capabilities["textDocumentSync"]);
        server.Notify("initialized", new JsonObject());
        // LSP4IJ pushes the whole (expanded) settings.json once the server has started, and again on every edit.
        server.Notify("workspace/didChangeConfiguration", new JsonObject { ["settings"] = settings.DeepClone() });

        var hover = HoverOnExample(server, "2");
        var units = (string?)settings["lft"]?["units"] ?? "GB";
        Assert.Contains($" {units} ", hover.Replace('\u00a0', ' '));
        Assert.Contains("fit", hover, StringComparison.OrdinalIgnoreCase);

        ShutdownAndExit(server, "3");
    }

    [Fact]
    public void Initialization_options_json_is_applied_at_initialize()
    {
        // A user who sets units in the dialog's "Initialization Options" tab: the template's file with units GiB,
        // and a client without workspace/configuration so that nothing else can set them.
        var options = Lsp4ijTemplate.Read("initializationOptions.json");
        Assert.IsType<JsonObject>(options["lft"], exactMatch: false);
        options["lft"]!["units"] = "GiB";
        using var server = new TemplateServer(tool, settings: null);

        var initialize = server.Request("init-1", "initialize", InitializeParams(options, configuration: false));
        Assert.True(initialize["error"] is null, $"initialize failed: {initialize.ToJsonString()}\nserver log:\n{server.Stderr}");
        Assert.Equal("\"init-1\"", initialize["id"]!.ToJsonString());
        server.Notify("initialized", new JsonObject());

        var hover = HoverOnExample(server, "hover-2");
        Assert.Contains("79.2 GiB", hover.Replace('\u00a0', ' '));
        Assert.DoesNotContain("85.0 GB", hover);

        ShutdownAndExit(server, "shutdown-3");
    }
}
