using System.Text.Json.Nodes;
using LspFineTune.Core.Tuning;

namespace LspFineTune.Server.Tests.Tuning;

/// <summary>
/// `lft data-curve` end to end on the tiny model with a short schedule (the trainer's Release build): one run per
/// nested subset with the schedule its budget gives, the curve kept next to the config and read back, and configs it
/// cannot measure refused before any run.
/// </summary>
public sealed class DataCurveCommandTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    /// <summary>The search tests' short tiny config; <paramref name="schedule"/> replaces its fixed max_steps.</summary>
    private string WriteConfig(string name, string schedule = "max_steps: 8") =>
        _folder.Write(name, ShortTinyConfig.Text(name).Replace("max_steps: 10", schedule));

    [Fact]
    public void Each_subset_trains_the_runs_steps_and_the_curve_is_kept_next_to_the_config()
    {
        var config = WriteConfig("a.lft.yaml");
        var result = CliRunner.Run("data-curve", config, "--sizes", "25,50,200", "--parallel", "2", "--json");
        Assert.True(result.Exit == 0, result.ToString());
        var json = result.Json();

        var runs = json["runs"]!.AsArray();
        Assert.Equal([25L, 50, 200], runs.Select(r => (long)r!["examples"]!));
        Assert.All(runs, r => Assert.Equal(8, (long)r!["steps"]!)); // max_steps fixed: the steps budget
        Assert.All(runs, r => Assert.NotNull(r!["eval_loss"]));
        Assert.Equal("steps", (string)json["budget"]!);
        Assert.Equal(200, (long)json["examples"]!);
        Assert.Contains("run-a.lft.yaml-data-curve/subsets/train-50.jsonl", result.Stderr + string.Join("\n", Directory.GetFiles(_folder.Path, "*", SearchOption.AllDirectories)));

        // Nested: every example of the 25 is in the 50.
        var subsets = Path.Combine(_folder.Path, "run-a.lft.yaml-data-curve", "subsets");
        var small = File.ReadAllLines(Path.Combine(subsets, "train-25.jsonl"));
        var larger = File.ReadAllLines(Path.Combine(subsets, "train-50.jsonl")).ToHashSet();
        Assert.Equal(25, small.Length);
        Assert.All(small, line => Assert.Contains(line, larger));

        var record = DataCurveRecord.Parse(File.ReadAllText(Path.Combine(_folder.Path, "a.lft.data-curve.json")))!;
        Assert.Equal(3, record.Points.Count);
        Assert.Equal(Repo.Example("data/tiny-train.jsonl"), record.TrainPath(config));
    }

    [Fact]
    public void A_config_that_trains_by_epochs_scales_each_subsets_steps_with_its_size()
    {
        var config = WriteConfig("e.lft.yaml", "epochs: 1");
        var result = CliRunner.Run("data-curve", config, "--sizes", "8,16,32", "--parallel", "2", "--json");
        Assert.True(result.Exit == 0, result.ToString());
        var json = result.Json();
        Assert.Equal("epochs", (string)json["budget"]!);
        // One epoch of 200 examples in batches of 4 is 50 steps; a subset of n trains ceil(50·n/200).
        Assert.Equal([2L, 4, 8], json["runs"]!.AsArray().Select(r => (long)r!["steps"]!));
    }

    [Theory]
    [InlineData("--sizes", "10,abc", "--sizes takes whole numbers of examples from 1")]
    [InlineData("--sizes", "10,5000", "--sizes 5,000 is more than the 200 examples in data.train")]
    [InlineData("--budget", "tokens", "--budget takes epochs")]
    public void Bad_options_are_one_line_with_what_to_give(string option, string value, string message)
    {
        var result = CliRunner.Run("data-curve", WriteConfig("o.lft.yaml"), option, value);
        Assert.Equal(2, result.Exit);
        Assert.Contains(message, result.Stderr);
    }
}
