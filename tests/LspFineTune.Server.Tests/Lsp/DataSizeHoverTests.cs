using LspFineTune.Core.Tuning;
using static LspFineTune.Server.Tests.Lsp.FeatureRequests;

namespace LspFineTune.Server.Tests.Lsp;

/// <summary>The train data's hover gives the paper's data-size figures, then this config's measured curve once
/// `lft data-curve` has kept one, and the editor shows the curve's finding on the train file.</summary>
public sealed class DataSizeHoverTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private string Config() => _folder.Write("tiny.lft.yaml", File.ReadAllText(Repo.Example("tiny-cpu-lora.lft.yaml"))
        .Replace("./models/tiny", Repo.Example("models/tiny")).Replace("./data/", Repo.Example("data") + "/"));

    [Fact]
    public async Task Without_a_curve_the_hover_cites_the_paper_and_says_how_to_measure()
    {
        var config = Config();
        await using var client = await LspTestClient.StartAsync();
        var uri = await client.OpenAsync(config);
        var hover = await HoverTextAsync(client, uri, "train:");
        Assert.Contains("200 examples raised accuracy from 70% to 88%", hover);
        Assert.Contains("`lft data-curve tiny.lft.yaml`", hover);
    }

    [Fact]
    public async Task A_measured_curve_is_a_table_in_the_hover_and_its_finding_is_on_the_train_file()
    {
        var config = Config();
        // Losses from L(n) = 1.9 + 1.6·n^-0.55: at 200 examples a doubling still gains 2.5% perplexity.
        new DataCurveRecord("tiny.lft.yaml", Repo.Example("data/tiny-train.jsonl"), 200, DataCurveRecord.StepsBudget,
            [.. new long[] { 12, 25, 50, 100, 200 }.Select(n => new DataCurveRun(n, 60, 1.9 + 1.6 * Math.Pow(n, -0.55), 9, null))],
            DateTimeOffset.UtcNow).Write(config, null);
        await using var client = await LspTestClient.StartAsync();
        var uri = await client.OpenAsync(config);

        var hover = await HoverTextAsync(client, uri, "train:");
        Assert.Contains("| examples | steps | eval loss |", hover);
        Assert.Contains("| 100 | 60 |", hover);
        Assert.Contains("More data would still help", hover);

        var diagnostics = await client.DiagnosticsUntilAsync(uri, d => d.Any(x => (string?)x!["code"] == "LFT0603"));
        var finding = diagnostics.Single(d => (string?)d!["code"] == "LFT0603")!;
        Assert.Equal(2, (int)finding["severity"]!); // warning
        Assert.Equal((int)LspTestClient.PositionOf(client.Text(uri), "train:")["line"]!, (int)finding["range"]!["start"]!["line"]!);
    }
}
