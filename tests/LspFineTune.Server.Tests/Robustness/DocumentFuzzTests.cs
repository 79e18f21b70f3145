using System.Text.Json.Nodes;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace LspFineTune.Server.Tests.Robustness;

/// <summary>
/// Seeded document fuzzing over the raw wire. Each document (random text, random bytes, a mutated example, deep
/// nesting, a huge line) is opened, edited with random incremental changes (ranges out of range, negative, reversed,
/// half-missing; versions sometimes stale), then asked for hover, inlay hints, code lenses, code actions, completion
/// and symbols at random positions, past the end included. Every reply must be a result or a proper error (never
/// InternalError, never a stack trace, always the request's id); after each batch a known-good request must still get
/// the right answer.
/// </summary>
public sealed class DocumentFuzzTests(ITestOutputHelper output)
{
    private const int InternalError = -32603;
    private const int DocumentsPerSeed = 40;
    private const int DocumentsPerBatch = 6;

    private static readonly string[] Requests =
        ["textDocument/hover", "textDocument/inlayHint", "textDocument/codeLens", "textDocument/codeAction", "textDocument/completion", "textDocument/documentSymbol"];

    [Theory]
    [InlineData(1)]
    [InlineData(20240611)]
    [InlineData(777)]
    public async Task Random_and_mutated_documents_get_proper_answers_everywhere(int seed)
    {
        var random = new Random(seed);
        await using var client = await RawLspClient.StartInitializedAsync();
        var failures = new List<string>();
        var messages = 0;
        for (var document = 0; document < DocumentsPerSeed; document++)
        {
            var watch = System.Diagnostics.Stopwatch.StartNew();
            var (kind, text) = Fuzz.Document(random);
            var extension = random.Next(4) switch { 0 => ".lft.json", 1 => "", _ => ".lft.yaml" };
            var uri = Lsp.ExampleUri($"fuzz-{seed}-{document}{extension}");
            var context = $"seed {seed}, document {document} ({kind}, {uri})";
            var version = random.Next(0, 100);

            await client.SendTextAsync(OpenMessage(uri, version, text));
            messages++;
            var edits = random.Next(1, 8);
            for (var e = 0; e < edits; e++)
            {
                version += random.Next(5) == 0 ? -random.Next(0, 3) : 1; // sometimes stale or repeated
                await client.SendTextAsync(ChangeMessage(random, uri, version, text));
                messages++;
            }

            // Pipelined requests: all sent, then all awaited, as an editor does while the user types.
            var pending = new List<(Task<JsonObject> Reply, string Id, string Sent)>();
            var requests = random.Next(6, 14);
            for (var r = 0; r < requests; r++)
            {
                var id = client.NewId();
                var sent = RequestMessage(random, id, uri, text);
                pending.Add((client.Expect(id), id, sent));
                await client.SendTextAsync(sent);
                messages++;
            }
            var deadline = DateTime.UtcNow + RawLspClient.ReplyTimeout;
            foreach (var (reply, id, sent) in pending)
            {
                var answer = await client.WaitAsync(reply, id, sent, deadline);
                try
                {
                    Replies.AssertProper(answer, id, $"{context}; request {RawLspClient.Truncate(sent, 400)}");
                    if (answer["error"] is not null && Replies.ErrorCode(answer) == InternalError)
                        throw new XunitException($"InternalError for {context}; request {RawLspClient.Truncate(sent, 400)}\nreply: {answer.ToJsonString()}");
                }
                catch (XunitException x)
                {
                    failures.Add(x.Message);
                }
            }
            output.WriteLine($"{context}: {watch.ElapsedMilliseconds} ms");
            if (random.Next(3) == 0)
            {
                await client.CloseAsync(uri);
                messages++;
            }
            if (document % DocumentsPerBatch == DocumentsPerBatch - 1)
                await client.AssertStillAnswersCorrectlyAsync($"seed {seed}, batch ending at document {document}");
        }
        output.WriteLine($"seed {seed}: {messages} fuzz messages, {failures.Count} failures");
        Assert.True(failures.Count == 0, $"{failures.Count} bad replies; first ones:\n{string.Join("\n\n", failures.Take(5))}\n\nserver log:\n{RawLspClient.Truncate(client.Log, 6000)}");
        Assert.Empty(client.ProtocolViolations);
    }

    private static string OpenMessage(string uri, int version, string text) =>
        """{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":{"uri":""" + Fuzz.JsonString(uri)
        + $$$""","languageId":"yaml","version":{{{version}}},"text":""" + Fuzz.JsonString(text) + "}}}";

    /// <summary>A didChange with 1-3 changes: incremental with random (often bad) ranges, or a whole replacement.</summary>
    private static string ChangeMessage(Random random, string uri, int version, string text)
    {
        var changes = new List<string>();
        var count = random.Next(1, 4);
        for (var i = 0; i < count; i++)
        {
            var inserted = random.Next(4) == 0 ? Fuzz.Mutate(random, text) : Fuzz.RandomText(random, random.Next(0, 6));
            var insert = Fuzz.JsonString(inserted[..Math.Min(200, inserted.Length)]);
            var (l1, c1) = Fuzz.Position(random, text);
            var (l2, c2) = Fuzz.Position(random, text);
            changes.Add(random.Next(10) switch
            {
                0 => $$$"""{"text":{{{Fuzz.JsonString(Fuzz.Mutate(random, text))}}}}""",
                1 => $$$"""{"range":{"start":{"line":{{{l1}}},"character":{{{c1}}}}},"text":{{{insert}}}}""",
                2 => $$$"""{"range":{"start":{"line":{{{l1}}},"character":{{{c1}}}},"end":{"line":{{{l2}}},"character":{{{c2}}}}},"rangeLength":{{{random.Next(-5, 50)}}},"text":{{{insert}}}}""",
                3 => $$$"""{"range":null,"text":null}""",
                _ => $$$"""{"range":{"start":{"line":{{{l1}}},"character":{{{c1}}}},"end":{"line":{{{l2}}},"character":{{{c2}}}}},"text":{{{insert}}}}""",
            });
        }
        return $$$"""{"jsonrpc":"2.0","method":"textDocument/didChange","params":{"textDocument":{"uri":{{{Fuzz.JsonString(uri)}}},"version":{{{version}}}},"contentChanges":[{{{string.Join(',', changes)}}}]}}""";
    }

    private static string RequestMessage(Random random, string id, string uri, string text)
    {
        var method = Requests[random.Next(Requests.Length)];
        var (l1, c1) = Fuzz.Position(random, text);
        var (l2, c2) = Fuzz.Position(random, text);
        var document = new JsonObject { ["uri"] = uri };
        var parameters = new JsonObject { ["textDocument"] = document };
        switch (method)
        {
            case "textDocument/hover" or "textDocument/completion":
                parameters["position"] = Lsp.Pos(l1, c1);
                if (method == "textDocument/completion" && random.Next(2) == 0)
                    parameters["context"] = new JsonObject { ["triggerKind"] = random.Next(1, 4), ["triggerCharacter"] = ":" };
                break;
            case "textDocument/inlayHint":
                if (random.Next(4) != 0)
                    parameters["range"] = Lsp.Range(l1, c1, l2, c2);
                break;
            case "textDocument/codeAction":
                parameters["range"] = Lsp.Range(l1, c1, l2, c2);
                parameters["context"] = new JsonObject
                {
                    ["diagnostics"] = new JsonArray(),
                    ["only"] = random.Next(4) switch { 0 => null, 1 => new JsonArray("quickfix"), 2 => new JsonArray("source"), _ => new JsonArray("bogus.kind") },
                };
                break;
        }
        return new JsonObject { ["jsonrpc"] = "2.0", ["id"] = int.Parse(id, System.Globalization.CultureInfo.InvariantCulture), ["method"] = method, ["params"] = parameters }.ToJsonString();
    }
}
