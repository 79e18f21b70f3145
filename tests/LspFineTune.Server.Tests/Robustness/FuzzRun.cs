using System.Text.Json.Nodes;
using Xunit.Sdk;

namespace LspFineTune.Server.Tests.Robustness;

/// <summary>
/// The bookkeeping of one seeded wire-fuzz run: requests awaiting their replies, checked a batch at a time against one
/// deadline; failures collected rather than thrown, so the run reports the first few of all of them; a tally of what
/// was sent; and the end of the run: no bad reply, nothing from the server that is not LSP, the server still running.
/// </summary>
public sealed class FuzzRun(RawLspClient client, int seed)
{
    private readonly List<string> _failures = [];
    private readonly List<(Task<JsonObject> Reply, string Id, string Sent, Action<JsonObject, string> Check)> _pending = [];
    private readonly Dictionary<string, int> _counts = [];

    public void Count(string kind) => _counts[kind] = _counts.GetValueOrDefault(kind) + 1;

    /// <summary>Registers a reply due to <paramref name="idJson"/> (before sending), and how to check it.</summary>
    public void Expect(string idJson, string sent, Action<JsonObject, string> check) =>
        _pending.Add((client.Expect(idJson), idJson, sent, check));

    /// <summary>Waits for every pending reply, checks each, then that the server still answers a known-good request.</summary>
    public async Task EndBatchAsync(string where)
    {
        var deadline = DateTime.UtcNow + RawLspClient.ReplyTimeout;
        foreach (var (reply, id, sent, check) in _pending)
        {
            var context = $"seed {seed}; sent {RawLspClient.Truncate(sent, 500)}";
            try
            {
                var answer = await client.WaitAsync(reply, id, sent, deadline);
                Replies.AssertProper(answer, id, context);
                check(answer, context);
            }
            catch (XunitException x)
            {
                _failures.Add(x.Message);
            }
        }
        _pending.Clear();
        await client.AssertStillAnswersCorrectlyAsync($"seed {seed}, {where}");
    }

    /// <summary>Runs a check on something without a pending reply (a stray reply), collecting its failure.</summary>
    public void Check(Action check)
    {
        try
        {
            check();
        }
        catch (XunitException x)
        {
            _failures.Add(x.Message);
        }
    }

    public string Tally => string.Join(", ", _counts.OrderBy(c => c.Key).Select(c => $"{c.Key} {c.Value}"));

    public void AssertClean()
    {
        Assert.True(_failures.Count == 0, $"{_failures.Count} bad replies; first ones:\n{string.Join("\n\n", _failures.Take(6))}\n\nserver log:\n{RawLspClient.Truncate(client.Log, 6000)}");
        Assert.Empty(client.ProtocolViolations);
        Assert.False(client.ServerRun.IsCompleted, "the server stopped");
    }
}
