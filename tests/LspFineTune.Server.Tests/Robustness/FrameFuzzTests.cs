using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using Xunit.Abstractions;
using Xunit.Sdk;

namespace LspFineTune.Server.Tests.Robustness;

/// <summary>
/// Seeded fuzzing of the frames (LSP's header part): good requests in frames with every valid header variant (name
/// case, spacing, Content-Type, unknown fields, a repeated equal Content-Length, leading zeros, bare \n, blank lines
/// between frames) mixed with broken frames (no, zero, huge, negative, non-numeric or conflicting Content-Length, an
/// endless header line, a line without a colon, an unsupported charset). Every good request must get its proper reply;
/// a broken frame may get one proper error (id null, or its own id when its body was read) and costs nothing else;
/// after each batch the server must still answer a known-good request correctly.
/// </summary>
public sealed class FrameFuzzTests(ITestOutputHelper output)
{
    private const int FramesPerSeed = 300;
    private const int FramesPerBatch = 50;
    private const int InvalidRequest = -32600;

    private static readonly string[] NotDigits = ["banana", "-5", "+5", "1e3", "0x10", "", " ", "12abc", "5.0", "\uff11\uff12", "NaN", "2 3"];

    [Theory]
    [InlineData(3)]
    [InlineData(1717)]
    [InlineData(65535)]
    public async Task Header_variants_cost_only_the_broken_frames(int seed)
    {
        var random = new Random(seed);
        await using var client = await RawLspClient.StartInitializedAsync();
        var uri = Lsp.ExampleUri($"frames-{seed}.lft.yaml");
        await client.OpenAsync(uri, Lsp.Example("llama2-7b-lora.lft.yaml"));
        var run = new FuzzRun(client, seed);
        var broken = 0;
        for (var n = 0; n < FramesPerSeed; n++)
        {
            var id = Fuzz.JsonString("f-" + client.NewId());
            var request = Encoding.UTF8.GetBytes(new JsonObject
            {
                ["jsonrpc"] = "2.0", ["id"] = JsonNode.Parse(id), ["method"] = "textDocument/hover", ["params"] = Lsp.AtPosition(uri, 10, 4),
            }.ToJsonString());
            var (kind, frame, errorDue) = random.Next(10) < 6 ? GoodFrame(random, request) : BrokenFrame(random, request);
            run.Count(kind);
            if (kind.StartsWith("broken", StringComparison.Ordinal))
                broken++;
            if (kind is not ("broken" or "broken: no id"))
                run.Expect(id, $"{kind}: {RawLspClient.Truncate(Encoding.Latin1.GetString(frame), 300)}", errorDue ? InvalidRequestDue : Served);
            await client.SendRawAsync(frame);
            if (n % FramesPerBatch == FramesPerBatch - 1)
                await run.EndBatchAsync($"frames up to {n}");
        }
        foreach (var stray in client.UnmatchedReplies)
            run.Check(() => Replies.AssertProper(stray, "null", $"seed {seed}; the reply to a broken frame"));
        output.WriteLine($"seed {seed}: {FramesPerSeed} frames ({run.Tally}); {client.UnmatchedReplies.Count} id-less error replies");
        Assert.True(client.UnmatchedReplies.Count <= broken, $"{client.UnmatchedReplies.Count} id-less replies to {broken} broken frames");
        run.AssertClean();
    }

    private static void InvalidRequestDue(JsonObject answer, string context) => Replies.AssertErrorCode(answer, InvalidRequest, context);

    private static void Served(JsonObject answer, string context)
    {
        if (!answer.ContainsKey("result"))
            throw new XunitException($"a good frame was not served\ncontext: {context}\nreply: {answer.ToJsonString()}");
    }

    /// <summary>A well-formed request in a frame whose header is valid but unusual.</summary>
    private static (string Kind, byte[] Frame, bool ErrorDue) GoodFrame(Random random, byte[] body)
    {
        var newline = random.Next(8) == 0 ? "\n" : "\r\n";
        var length = (random.Next(6) == 0 ? new string('0', random.Next(1, 4)) : "") + body.Length.ToString(CultureInfo.InvariantCulture);
        var fields = new List<string> { $"{Cased(random, "Content-Length")}{Spaces(random)}:{Spaces(random)}{length}{Spaces(random)}" };
        if (random.Next(3) == 0)
            fields.Add(fields[0]);
        if (random.Next(3) == 0)
            fields.Insert(random.Next(fields.Count + 1), $"{Cased(random, "Content-Type")}: application/vscode-jsonrpc; charset={(random.Next(2) == 0 ? "utf-8" : "\"UTF8\"")}");
        if (random.Next(3) == 0)
            fields.Insert(random.Next(fields.Count + 1), $"X-Fuzz-{random.Next(1000)}: {Fuzz.RandomText(random, 3).Replace("\n", " ", StringComparison.Ordinal).Replace("\r", " ", StringComparison.Ordinal)}");
        var blank = random.Next(6) == 0 ? newline : "";
        var header = blank + string.Concat(fields.Select(f => f + newline)) + newline;
        return ("good", [.. Encoding.UTF8.GetBytes(header), .. body], false);
    }

    /// <summary>
    /// A broken frame. Kinds: "broken" (no reply with an id is due; its garbage body never spells Content-Length, so the
    /// reader finds the next frame), "broken: no id" (the body is read or peeked but shows no id), and "broken: charset"
    /// (the length is known, so the body is read: InvalidRequest to its id).
    /// </summary>
    private static (string Kind, byte[] Frame, bool ErrorDue) BrokenFrame(Random random, byte[] request)
    {
        var garbage = Encoding.ASCII.GetBytes(Fuzz.RandomText(random, random.Next(0, 20)).Where(c => c < 128 && c is not ('c' or 'C')).ToArray());
        byte[] Frame(string header, byte[] body) => [.. Encoding.UTF8.GetBytes(header), .. body];
        return random.Next(10) switch
        {
            0 => ("broken", Frame("Content-Type: application/vscode-jsonrpc; charset=utf-8\r\n\r\n", garbage), false),
            1 => ("broken", Frame("Content-Length: 0\r\n\r\n", []), false),
            2 => ("broken", Frame($"Content-Length: {NotDigits[random.Next(NotDigits.Length)]}\r\n\r\n", garbage), false),
            3 => ("broken", Frame($"Content-Length: {random.Next(1, 9)}{new string('9', random.Next(19, 30))}\r\n\r\n", garbage), false),
            4 => ("broken: no id", Frame($"Content-Length: {random.Next(64 * 1024 * 1024 + 1, int.MaxValue)}\r\n\r\n", Encoding.UTF8.GetBytes("""{"jsonrpc":"2.0","method":"textDocument/didOpen","params":{"textDocument":{"text":"x""")), false),
            5 => ("broken", Frame($"Content-Length: {garbage.Length + 1}\r\ncontent-length: {garbage.Length + 2}\r\n\r\n", garbage), false),
            6 => ("broken", Frame("X-Padding: " + new string('x', random.Next(9_000, 30_000)) + "\r\n\r\n", garbage), false),
            7 => ("broken", Frame("a line without a colon\r\n\r\n", garbage), false),
            8 => ("broken", Frame($"Content-Length: -{random.Next(1, 100)}\r\n\r\n", garbage), false),
            _ => ("broken: charset", Frame($"Content-Length: {request.Length}\r\nContent-Type: text/plain; charset={(random.Next(2) == 0 ? "latin-1" : "utf-16")}\r\n\r\n", request), true),
        };
    }

    private static string Cased(Random random, string name) => random.Next(4) switch
    {
        0 => name,
        1 => name.ToLowerInvariant(),
        2 => name.ToUpperInvariant(),
        _ => string.Concat(name.Select(c => random.Next(2) == 0 ? char.ToUpperInvariant(c) : char.ToLowerInvariant(c))),
    };

    private static string Spaces(Random random) => random.Next(4) switch { 0 => " ", 1 => "", 2 => "\t", _ => "   " };
}
