using System.Text.Json.Nodes;
using LspFineTune.Core.Runs.History;

namespace LspFineTune.Core.Tests.Runs;

/// <summary>The run history next to a config: appended one JSON line a run, read back skipping what does not parse.</summary>
public sealed class RunHistoryTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("lft-runs-").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private static RunRecord Run(long? peak, MeasuredKind kind = MeasuredKind.Reserved) => new()
    {
        Time = new DateTimeOffset(2026, 8, 1, 12, 0, 0, TimeSpan.Zero),
        Config = "config.yml",
        ConfigSha256 = RunHistory.Hash("base_model: x\n"),
        Dialect = "axolotl",
        Engine = "framework",
        Framework = "axolotl",
        Command = "axolotl train config.yml",
        Hardware = new RunHardware("h100-sxm", 8, 1, "modeline"),
        Estimate = new EstimatedFigures(20_000_000_000, 17_000_000_000, 19_000_000_000, 1.5, 2500),
        Measured = new MeasuredFigures { PeakBytes = peak, Kind = kind, Steps = 10, FinalLoss = double.NaN, TokensPerSecondPerGpu = 2400 },
        ExitCode = 0,
        Outcome = RunOutcome.Done,
        Seconds = 12.345,
    };

    [Fact]
    public void A_run_is_appended_as_one_line_beside_the_config_with_the_figures_named()
    {
        var config = Path.Combine(_folder, "config.yml");
        var path = RunHistory.Append(config, Run(18_000_000_000));
        RunHistory.Append(config, Run(null));
        Assert.Equal(Path.Combine(_folder, ".lft", "runs.jsonl"), path);
        var lines = File.ReadAllLines(path);
        Assert.Equal(2, lines.Length);
        var run = JsonNode.Parse(lines[0])!;
        Assert.Equal("2026-08-01T12:00:00Z", (string)run["time"]!);
        Assert.Equal(64, ((string)run["config_sha256"]!).Length);
        Assert.Equal((18_000_000_000L, "reserved", 19_000_000_000L), ((long)run["measured"]!["peak_bytes"]!, (string)run["measured"]!["peak_kind"]!, (long)run["estimate"]!["reserved_bytes"]!));
        // A loss that is not finite is null in JSON, never NaN (which is not JSON).
        Assert.Null(run["measured"]!["final_loss"]);
        Assert.Equal((8, "modeline", "done", 12.3), ((int)run["hardware"]!["gpus_per_node"]!, (string)run["hardware"]!["source"]!, (string)run["exit"]!["outcome"]!, (double)run["seconds"]!));
    }

    [Fact]
    public void The_last_measured_run_of_the_config_is_found_past_runs_without_a_peak_other_configs_and_damaged_lines()
    {
        var measured = RunHistory.ToJson(Run(18_000_000_000)).ToJsonString();
        var other = RunHistory.ToJson(Run(1) with { Config = "other.yml" }).ToJsonString();
        var unmeasured = RunHistory.ToJson(Run(null)).ToJsonString();
        var run = RunHistory.LastMeasured(string.Join('\n', measured, other, unmeasured, "{\"config\": \"config.yml\", broken", ""), "config.yml")!;
        Assert.Equal(18_000_000_000L, (long)run["measured"]!["peak_bytes"]!);
        Assert.Null(RunHistory.LastMeasured(unmeasured, "config.yml"));
        Assert.Equal("18.0 GB reserved measured vs 19.0 GB estimated (estimate +6%)", RunComparison.Describe(run, binaryUnits: false));
    }

    [Theory]
    [InlineData(MeasuredKind.Rss, "20.0 GB measured vs 20.0 GB estimated (estimate +0%)")]
    [InlineData(MeasuredKind.Allocated, "20.0 GB allocated measured vs 17.0 GB estimated (estimate −15%)")]
    public void A_peak_is_compared_with_the_estimates_figure_for_the_same_quantity(MeasuredKind kind, string text) =>
        Assert.Equal(text, RunComparison.Describe(RunHistory.ToJson(Run(20_000_000_000, kind)), binaryUnits: false));
}
