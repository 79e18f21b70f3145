using System.Text.Json.Nodes;
using Xunit.Sdk;

namespace LspFineTune.Server.Tests.Robustness;

/// <summary>Small builders for LSP params and the "still answers correctly" check run after every fuzz batch.</summary>
public static class Lsp
{
    private static int _sentinels;

    /// <summary>The repository's examples folder, found by walking up from the test binaries.</summary>
    public static string ExamplesFolder { get; } = FindExamples();

    private static string FindExamples()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var candidate = Path.Combine(dir.FullName, "examples");
            if (Directory.Exists(candidate) && File.Exists(Path.Combine(dir.FullName, "LspFineTune.sln")))
                return candidate;
        }
        throw new InvalidOperationException("examples/ not found above " + AppContext.BaseDirectory);
    }

    public static string Example(string name) => File.ReadAllText(Path.Combine(ExamplesFolder, name));

    /// <summary>A URI in the examples folder, so relative model/data paths resolve as they do in an editor.</summary>
    public static string ExampleUri(string name) => new Uri(Path.Combine(ExamplesFolder, name)).AbsoluteUri;

    public static JsonObject Doc(string uri) => new() { ["uri"] = uri };

    public static JsonObject Pos(int line, int character) => new() { ["line"] = line, ["character"] = character };

    public static JsonObject Range(int l1, int c1, int l2, int c2) => new() { ["start"] = Pos(l1, c1), ["end"] = Pos(l2, c2) };

    public static JsonObject AtPosition(string uri, int line, int character) =>
        new() { ["textDocument"] = Doc(uri), ["position"] = Pos(line, character) };

    public static Task OpenAsync(this RawLspClient client, string uri, string text, int version = 1) =>
        client.NotifyAsync("textDocument/didOpen", new JsonObject
        {
            ["textDocument"] = new JsonObject { ["uri"] = uri, ["languageId"] = "yaml", ["version"] = version, ["text"] = text },
        });

    public static Task ChangeAsync(this RawLspClient client, string uri, int version, params JsonObject[] changes) =>
        client.NotifyAsync("textDocument/didChange", new JsonObject
        {
            ["textDocument"] = new JsonObject { ["uri"] = uri, ["version"] = version },
            ["contentChanges"] = new JsonArray([.. changes]),
        });

    public static JsonObject WholeText(string text) => new() { ["text"] = text };

    public static JsonObject Edit(JsonObject range, string text) => new() { ["range"] = range, ["text"] = text };

    public static Task CloseAsync(this RawLspClient client, string uri) =>
        client.NotifyAsync("textDocument/didClose", new JsonObject { ["textDocument"] = Doc(uri) });

    /// <summary>Sends a request, asserts its reply is proper (id, shape, no stack trace) and returns it.</summary>
    public static async Task<JsonObject> AskAsync(this RawLspClient client, string method, JsonNode? parameters, string context)
    {
        var reply = await client.RequestAsync(method, parameters);
        Replies.AssertProper(reply, reply["id"]?.ToJsonString() ?? "null", context);
        return reply;
    }

    /// <summary>The diagnostics last published for <paramref name="uri"/>, waiting (up to the reply timeout) for the first.</summary>
    public static async Task<JsonArray> WaitForDiagnosticsAsync(this RawLspClient client, string uri, string context)
    {
        var deadline = DateTime.UtcNow + RawLspClient.ReplyTimeout;
        while (DateTime.UtcNow < deadline)
        {
            var published = client.Notifications.LastOrDefault(n => (string?)n["method"] == "textDocument/publishDiagnostics" && (string?)n["params"]?["uri"] == uri);
            if (published?["params"]?["diagnostics"] is JsonArray diagnostics)
                return diagnostics;
            await Task.Delay(20);
        }
        throw new XunitException($"no diagnostics for {uri} within {RawLspClient.ReplyTimeout.TotalSeconds} s after: {context}\nlog:\n{RawLspClient.Truncate(client.Log, 4000)}");
    }

    /// <summary>The window/logMessage texts the server sent so far.</summary>
    public static IEnumerable<string> LogMessages(this RawLspClient client) =>
        client.Notifications.Where(n => (string?)n["method"] == "window/logMessage").Select(n => (string?)n["params"]?["message"] ?? "");

    /// <summary>The symbol names at the top of a document's outline.</summary>
    public static async Task<List<string>> TopSymbolsAsync(this RawLspClient client, string uri, string context)
    {
        var reply = await client.AskAsync("textDocument/documentSymbol", new JsonObject { ["textDocument"] = Doc(uri) }, context);
        return Replies.Result(reply, context)!.AsArray().Select(s => (string)s!["name"]!).ToList();
    }

    /// <summary>
    /// The proof that the server still works after a fuzz batch: a fresh copy of an example answers hover on
    /// <c>hardware.gpu</c> with that key's documentation, and its outline lists the example's sections. The server
    /// must also still be running.
    /// </summary>
    public static async Task AssertStillAnswersCorrectlyAsync(this RawLspClient client, string context)
    {
        if (client.ServerRun.IsCompleted)
            throw new XunitException($"the server stopped ({client.ServerRun.Status}) after: {context}\nlog:\n{RawLspClient.Truncate(client.Log, 4000)}");
        var uri = ExampleUri($"sentinel-{Interlocked.Increment(ref _sentinels)}.lft.yaml");
        await client.OpenAsync(uri, Example("llama2-7b-lora.lft.yaml"));
        // Line 10 is "  gpu: a100-80gb".
        var hover = await client.AskAsync("textDocument/hover", AtPosition(uri, 10, 4), context);
        var markdown = (string?)Replies.Result(hover, context)?["contents"]?["value"];
        if (markdown is null || !markdown.Contains("`hardware.gpu`", StringComparison.Ordinal) || !markdown.Contains("A100", StringComparison.OrdinalIgnoreCase))
            throw new XunitException($"hover on hardware.gpu of a known-good example is wrong after: {context}\nreply: {RawLspClient.Truncate(hover.ToJsonString(), 2000)}");
        var symbols = await client.TopSymbolsAsync(uri, context);
        string[] expected = ["model", "hardware", "method", "optimizer", "training"];
        if (!expected.All(symbols.Contains))
            throw new XunitException($"outline of a known-good example is wrong after: {context}\nsymbols: {string.Join(", ", symbols)}");
        await client.CloseAsync(uri);
    }
}
