using LspFineTune.Core.Runs.History;
using static LspFineTune.Server.Tests.Lsp.FeatureRequests;

namespace LspFineTune.Server.Tests.Lsp;

/// <summary>The code lens shows the last measured peak of this config from its run history, next to that run's estimate.</summary>
public sealed class RunHistoryLensTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private static RunRecord Record(string config, string text, long measured, long estimated) => new()
    {
        Time = DateTimeOffset.UtcNow,
        Config = config,
        ConfigSha256 = RunHistory.Hash(text),
        Engine = "framework",
        Framework = "axolotl",
        Estimate = new EstimatedFigures(estimated + 1_000_000_000, estimated - 500_000_000, estimated, 1.0, 1000),
        Measured = new MeasuredFigures { PeakBytes = measured, Kind = MeasuredKind.Reserved },
        ExitCode = 0,
        Outcome = RunOutcome.Done,
    };

    [Fact]
    public async Task The_last_measured_run_of_this_file_is_a_lens_and_an_edited_file_says_the_run_was_of_an_earlier_version()
    {
        var text = File.ReadAllText(Repo.Example("llama2-7b-lora.lft.yaml"));
        var config = _folder.Write("lora.lft.yaml", text);
        RunHistory.Append(config, Record("lora.lft.yaml", text, 20_000_000_000, 19_000_000_000) with { Measured = new MeasuredFigures() });
        RunHistory.Append(config, Record("lora.lft.yaml", text, 18_000_000_000, 17_100_000_000));
        RunHistory.Append(config, Record("other.yaml", text, 1_000_000_000, 1_000_000_000));
        await using var client = await LspTestClient.StartAsync();
        var uri = await client.OpenAsync(config);

        var lenses = (await client.RequestAsync("textDocument/codeLens", Document(uri)))!.AsArray();
        Assert.Equal(5, lenses.Count);
        Assert.Equal("Last run: 18.0 GB reserved measured vs 17.1 GB estimated (estimate −5%)", (string)lenses[4]!["command"]!["title"]!);

        var edited = await client.OpenAsync(_folder.Write("lora.lft.yaml", text + "\n"));
        var after = (await client.RequestAsync("textDocument/codeLens", Document(edited)))!.AsArray();
        Assert.EndsWith("(an earlier version of this file)", (string)after[4]!["command"]!["title"]!);
    }

    [Fact]
    public async Task The_last_measured_run_is_in_the_hover_of_the_whole_file_and_of_the_keys_that_drive_the_estimate()
    {
        var text = File.ReadAllText(Repo.Example("llama2-7b-lora.lft.yaml"));
        var config = _folder.Write("lora.lft.yaml", text);
        RunHistory.Append(config, Record("lora.lft.yaml", text, 18_000_000_000, 17_100_000_000));
        await using var client = await LspTestClient.StartAsync();
        var uri = await client.OpenAsync(config);

        const string lastRun = "**Last run: 18.0 GB reserved measured vs 17.1 GB estimated (estimate −5%)**";
        var whole = await client.RequestAsync("textDocument/hover", At(uri, new System.Text.Json.Nodes.JsonObject { ["line"] = 0, ["character"] = 0 }));
        Assert.Contains(lastRun, (string)whole!["contents"]!["value"]!);
        Assert.Contains(lastRun, await HoverTextAsync(client, uri, "micro_batch_size:"));
    }

    [Fact]
    public async Task Without_a_history_there_is_no_such_lens()
    {
        await using var client = await LspTestClient.StartAsync();
        var uri = await client.OpenAsync(_folder.Write("lora.lft.yaml", File.ReadAllText(Repo.Example("llama2-7b-lora.lft.yaml"))));
        Assert.Equal(4, (await client.RequestAsync("textDocument/codeLens", Document(uri)))!.AsArray().Count);
    }
}
