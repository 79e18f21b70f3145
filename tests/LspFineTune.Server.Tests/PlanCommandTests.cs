using LspFineTune.Core.Dialects.Native;
using System.Text.Json.Nodes;
using LspFineTune.Core;
using LspFineTune.Core.Advice;
using LspFineTune.Core.Editing;
using LspFineTune.Server.Cli;

namespace LspFineTune.Server.Tests;

/// <summary>`lft plan FILE [--json]`: the fastest plan that fits, as edits that keep the file as written.</summary>
public class PlanCommandTests
{
    /// <summary>The plan's changes, as `path=value` strings.</summary>
    private static List<string> Changes(JsonNode plan) =>
        plan["changes"]!.AsArray().Select(c => $"{(string)c!["path"]!}={c["value"]!.ToJsonString()}").ToList();

    [Theory]
    [InlineData("llama2-70b-full-8xa100.lft.yaml", new[] { "deepspeed.zero_stage=3", "training.gradient_checkpointing=true" })]
    [InlineData("mistral-7b-long-context.lft.yaml", new[] { "training.attention=\"flash\"" })]
    public void Plan_json_edits_turn_a_config_that_does_not_fit_into_one_that_does(string example, string[] expectedChanges)
    {
        var path = Repo.Example(example);
        var result = CliRunner.Run("plan", "--json", path);
        Assert.Equal(0, result.Exit);
        var json = result.Json();
        Assert.Equal(path, (string)json["file"]!);
        Assert.False((bool)json["fits_now"]!);
        var plan = json["plan"]!;
        Assert.True((bool)plan["fits"]!);
        foreach (var change in expectedChanges)
            Assert.Contains(change, Changes(plan));

        AssertEditsFitAndKeepComments(path, plan["edits"]!.AsArray());
    }

    /// <summary>
    /// The edits `lft plan --json` would print (built with the same JsonOutput.Edit), checked while the JSON output crashes:
    /// applied to the file they keep every comment and give a config that fits.
    /// </summary>
    [Theory]
    [InlineData("llama2-70b-full-8xa100.lft.yaml", new[] { "deepspeed.zero_stage: 3", "training.gradient_checkpointing: true" })]
    [InlineData("mistral-7b-long-context.lft.yaml", new[] { "training.attention: flash" })]
    public void Plan_edits_turn_a_config_that_does_not_fit_into_one_that_does(string example, string[] expectedChanges)
    {
        var path = Repo.Example(example);
        var analysis = ConfigAnalyzer.AnalyzeFile(path, File.ReadAllText(path), new AnalysisOptions());
        var search = PlanSearch.FindFastestThatFits(analysis.Estimate!);
        var best = Assert.IsType<Fix>(search.Best);
        var changes = best.Changes.Select(NativeVocabulary.Instance.Setting).ToList();
        foreach (var change in expectedChanges)
            Assert.Contains(change, changes);

        var edits = new JsonArray(analysis.Write(best.Changes).SelectMany(f => f.Edits.Select(e => (JsonNode)JsonOutput.Edit(e, path))).ToArray());
        AssertEditsFitAndKeepComments(path, edits);
    }

    [Theory]
    [InlineData("llama2-70b-full-8xa100.lft.yaml", new[] { "set deepspeed.zero_stage: 3", "set training.gradient_checkpointing: true" })]
    [InlineData("mistral-7b-long-context.lft.yaml", new[] { "set training.attention: flash" })]
    public void Plan_text_lists_the_changes_and_exits_0_when_a_plan_fits(string example, string[] expectedLines)
    {
        var path = Repo.Example(example);
        var result = CliRunner.Run("plan", path);

        Assert.Equal(0, result.Exit);
        Assert.Contains("does not fit", result.StdoutLines[0]);
        Assert.Contains("fastest plan that fits", result.Stdout);
        var lines = result.StdoutLines.Select(l => l.Trim()).ToList();
        foreach (var line in expectedLines)
            Assert.Contains(line, lines);
        Assert.Contains(lines, l => l.StartsWith(path + ":", StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("llama2-7b-senszoq.lft.yaml")]
    [InlineData("qwen2.5-7b-qlora-l4.lft.json")]
    public void Plan_json_is_null_for_a_config_that_already_is_the_fastest_that_fits(string example)
    {
        var path = Repo.Example(example);
        var result = CliRunner.Run("plan", "--json", path);

        Assert.Equal(0, result.Exit);
        var json = result.Json();
        Assert.True((bool)json["fits_now"]!);
        Assert.True(json.AsObject().ContainsKey("plan"));
        Assert.Null(json["plan"]);
        Assert.True((int)json["plans_tried"]! > 0);
    }

    public static IEnumerable<object[]> Examples() => Repo.ExampleNames();

    [Theory]
    [MemberData(nameof(Examples))]
    public void Plan_json_prints_json_for_every_example(string example)
    {
        var result = CliRunner.Run("plan", "--json", Repo.Example(example));
        Assert.Equal(0, result.Exit);
        var json = result.Json();
        Assert.True((bool)json["fits_now"]! || json["plan"] is not null);
        if (json["plan"] is { } plan)
            Assert.True((bool)plan["fits"]!);
    }

    [Theory]
    [MemberData(nameof(Examples))]
    public void Plan_text_runs_on_every_example_and_ends_with_a_config_that_fits(string example)
    {
        var path = Repo.Example(example);
        var result = CliRunner.Run("plan", path);

        Assert.True(result.Exit == 0, result.ToString());
        Assert.StartsWith(path + ": now ", result.StdoutLines[0]);
        Assert.Contains(result.StdoutLines, l => l.Contains("plan", StringComparison.Ordinal) && l.Contains("plans tried", StringComparison.Ordinal));
    }

    [Fact]
    public void Plan_json_reports_diagnostics_and_exit_1_when_the_model_is_unknown()
    {
        using var temp = new TempFolder();
        var path = temp.Write("unknown.lft.yaml", "model:\n  name: no-such-model-xyz\nhardware:\n  gpu: a100-80gb\n");
        var result = CliRunner.Run("plan", "--json", path);

        Assert.Equal(1, result.Exit);
        var json = result.Json();
        Assert.Null(json["plan"]);
        Assert.Contains("LFT0201", CliRunner.Codes(json));
    }

    private static void AssertEditsFitAndKeepComments(string path, JsonArray edits)
    {
        Assert.NotEmpty(edits);
        var original = File.ReadAllText(path);
        var edited = TextEdits.Apply(original, edits);

        var comments = TextEdits.Comments(original);
        Assert.NotEmpty(comments);
        foreach (var comment in comments)
            Assert.Contains(comment, edited);

        using var temp = new TempFolder();
        var editedPath = temp.Write(Path.GetFileName(path), edited);
        var estimate = CliRunner.Run("estimate", "--json", editedPath);
        var json = estimate.Json();
        Assert.True((bool)json["memory"]!["fits"]!, estimate.ToString());
        Assert.DoesNotContain(CliRunner.Diagnostics(json), d => (string)d["severity"]! == "error");
        Assert.Equal(0, estimate.Exit);
    }
}
