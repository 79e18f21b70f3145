using System.Text.Json.Nodes;

namespace LspFineTune.Server.Tests.Tuning;

/// <summary>
/// `lft sweep` end to end on the tiny model with a short schedule (the trainer's Release build, as TrainCommandTests):
/// reproducible for a seed, every trial in the results file, and the best as edits that `lft check` accepts.
/// </summary>
public sealed class SweepCommandTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private string WriteConfig(string name) => _folder.Write(name, ShortTinyConfig.Text(name));

    private static JsonNode Sweep(string config)
    {
        var result = CliRunner.Run("sweep", config, "--trials", "3", "--seed", "11", "--parallel", "2", "--json");
        Assert.True(result.Exit == 0, result.ToString());
        return result.Json();
    }

    [Fact]
    public void A_sweep_repeats_for_a_seed_keeps_every_trial_and_returns_the_best_as_edits_lft_check_accepts()
    {
        var first = Sweep(WriteConfig("a.lft.yaml"));
        var second = Sweep(WriteConfig("b.lft.yaml"));

        string Trials(JsonNode sweep) => sweep["trials"]!.AsArray().Select(t => new JsonObject
        {
            ["params"] = t!["params"]!.DeepClone(),
            ["early"] = t["early_eval_loss"]!.DeepClone(),
            ["final"] = t["final_eval_loss"]?.DeepClone(),
        }.ToJsonString()).Aggregate((a, b) => a + "\n" + b);
        Assert.Equal(Trials(first), Trials(second));
        Assert.Equal((double)first["baseline"]!["eval_loss"]!, (double)second["baseline"]!["eval_loss"]!);

        var trials = first["trials"]!.AsArray();
        Assert.Equal(3, trials.Count);
        Assert.All(trials, t => Assert.NotNull(t!["final_eval_loss"])); // at least 3 run to the end
        Assert.Equal(2, (long)first["early_steps"]!); // 0.2 of 10
        Assert.NotNull(first["rank_correlation"]);
        Assert.Equal(4, File.ReadAllLines(Path.Combine(_folder.Path, "a.lft.sweep.jsonl")).Length); // the baseline and 3 trials

        var best = first["best"]!;
        var original = File.ReadAllText(Path.Combine(_folder.Path, "a.lft.yaml"));
        var edited = TextEdits.Apply(original, best["edits"]!.AsArray());
        Assert.Contains("# small", edited); // comments kept
        Assert.Contains("# a short schedule", edited);
        var applied = _folder.Write("best.lft.yaml", edited);
        var check = CliRunner.Run("check", applied);
        Assert.True(check.Exit == 0, check.ToString());
        foreach (var change in best["changes"]!.AsArray())
            Assert.Contains(((string)change!).Split(": ")[1], edited);
    }

    [Theory]
    [InlineData("sweep", "-sweep")]
    [InlineData("data-curve", "-data-curve")]
    public void A_config_without_eval_data_is_refused_before_any_run(string verb, string folderSuffix)
    {
        // Both commands score each run by eval loss: TrainedCommandSetup refuses for them.
        var config = _folder.Write("no-eval.lft.yaml", File.ReadAllText(WriteConfig("x.lft.yaml")).Replace($"  eval: {Repo.Example("data/tiny-eval.jsonl")}\n", ""));
        var result = CliRunner.Run(verb, config);
        Assert.Equal(1, result.Exit);
        Assert.Contains("sets no eval data (data.eval)", result.Stderr);
        Assert.False(Directory.Exists(Path.Combine(_folder.Path, "run-x.lft.yaml" + folderSuffix)));
    }

    [Theory]
    [InlineData("--early-fraction", "1.5", "--early-fraction takes a number between 0 and 1")]
    [InlineData("--trials", "0", "--trials takes a whole number from 1")]
    [InlineData("--space", "optimizer.learning_rate", "--space `optimizer.learning_rate` is not KEY=lo..hi")]
    public void Bad_options_are_usage_errors(string option, string value, string message)
    {
        var result = CliRunner.Run("sweep", WriteConfig("u.lft.yaml"), option, value);
        Assert.Equal(2, result.Exit);
        Assert.Contains(message, result.Stderr);
    }
}
