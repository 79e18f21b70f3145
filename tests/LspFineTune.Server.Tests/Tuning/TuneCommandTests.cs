using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using LspFineTune.Server.Tests.Lsp;

namespace LspFineTune.Server.Tests.Tuning;

/// <summary>
/// The search from the editor: lft.sweep (each trial's end as $/progress, cancellable), lft.sweepResults (the trials for
/// the results view) and lft.applySweep (the best as minimal edits through workspace/applyEdit). The tiny model on a
/// short schedule, with the trainer's Release build (as TrainCommandTests).
/// </summary>
public sealed class TuneCommandTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private string WriteConfig(string name, int maxSteps = 10, bool eval = true) => _folder.Write(name, ShortTinyConfig.Text(name, maxSteps, eval));

    private static JsonObject Command(string command, string uri, JsonObject? options = null, string? token = null) =>
        new() { ["command"] = command, ["arguments"] = options is null ? new JsonArray(uri) : new JsonArray(uri, options), ["workDoneToken"] = token };

    private static async Task<JsonNode> EndAsync(LspTestClient client, string token)
    {
        var deadline = DateTime.UtcNow.AddMinutes(5);
        while (DateTime.UtcNow < deadline)
        {
            if (client.Progress.FirstOrDefault(p => (string)p["token"]! == token && (string)p["value"]!["kind"]! == "end") is { } end)
                return end["value"]!;
            await Task.Delay(50);
        }
        throw new Xunit.Sdk.XunitException($"search {token} did not end; server log:\n{client.ServerLog}");
    }

    /// <summary>The processes whose command line names <paramref name="text"/> (the trials' lft-train, by their output folder).</summary>
    private static List<int> ProcessesNaming(string text) =>
        Directory.EnumerateDirectories("/proc").Select(Path.GetFileName).Where(d => d!.All(char.IsAsciiDigit)).Select(int.Parse!)
            .Where(pid =>
            {
                try
                {
                    return File.ReadAllText($"/proc/{pid}/cmdline").Contains(text, StringComparison.Ordinal);
                }
                catch (IOException)
                {
                    return false; // ended meanwhile
                }
                catch (UnauthorizedAccessException)
                {
                    return false;
                }
            }).ToList();

    [Fact]
    public async Task A_search_reports_each_trial_and_the_best_so_far_and_its_best_applies_as_edits_that_keep_the_comments()
    {
        await using var client = await LspTestClient.StartAsync();
        var uri = await client.OpenAsync(WriteConfig("tune.lft.yaml"));
        await client.DiagnosticsAsync(uri);

        var started = (await client.RequestAsync("workspace/executeCommand", Command("lft.sweep", uri, new JsonObject { ["trials"] = 2, ["seed"] = 5, ["parallel"] = 2 }, "sweep-1")))!;
        Assert.Equal("sweep-1", (string)started["token"]!);
        Assert.EndsWith("tune.lft.sweep.jsonl", (string)started["resultsFile"]!);
        var end = await EndAsync(client, "sweep-1");

        var progress = client.Progress.Where(p => (string)p["token"]! == "sweep-1").Select(p => p["value"]!).ToList();
        Assert.Equal("begin", (string)progress[0]["kind"]!);
        Assert.True((bool)progress[0]["cancellable"]!);
        Assert.Equal("Tuning tune.lft.yaml", (string)progress[0]["title"]!);
        var reports = progress.Where(p => (string)p["kind"]! == "report").ToList();
        var messages = reports.Select(r => (string)r["message"]!).ToList();
        Assert.Contains(messages, m => Regex.IsMatch(m, @"^trial 1/2 early eval loss [0-9.]+ · best so far (as written|trial [12]), [0-9.]+$"));
        Assert.Contains(messages, m => Regex.IsMatch(m, @"^trial 2/2 early eval loss [0-9.]+ · best so far"));
        Assert.Contains(messages, m => Regex.IsMatch(m, @"^the config as written to the end: eval loss [0-9.]+ · best so far"));
        var percentages = reports.Select(r => (int)r["percentage"]!).ToList();
        Assert.Equal(100, percentages[^1]);
        Assert.Matches(@"^2 trials in [0-9]+ s, 2 run to the end; (best: trial [12], eval loss [0-9.]+ vs [0-9.]+ as written \([0-9.]+x\); apply it from the results\.|the config as written was the best)", (string)end["message"]!);

        var results = (await client.RequestAsync("workspace/executeCommand", Command("lft.sweepResults", uri)))!;
        Assert.True((bool)results["found"]!);
        Assert.False((bool)results["running"]!);
        Assert.Equal((2L, 10L), ((long)results["earlySteps"]!, (long)results["totalSteps"]!));
        var trials = results["trials"]!.AsArray();
        Assert.Equal([1, 2], trials.Select(t => (int)t!["trial"]!));
        Assert.All(trials, t => Assert.NotNull(t!["earlyEvalLoss"]));
        Assert.All(trials, t => Assert.NotNull(t!["finalEvalLoss"])); // both are finalists (at least 3 are kept)
        Assert.NotNull(results["baseline"]!["finalEvalLoss"]);
        Assert.Contains("optimizer.learning_rate", results["keys"]!.AsArray().Select(k => (string)k!));

        // Trial 1 on purpose (whichever is best): its values differ from the config's, so there is an edit to see.
        var trial1 = trials[0]!["parameters"]!;
        var applied = (await client.RequestAsync("workspace/executeCommand", Command("lft.applySweep", uri, new JsonObject { ["trial"] = 1 })))!;
        Assert.True((bool)applied["applied"]!);
        var text = client.Text(uri);
        Assert.Contains("# a short schedule", text);
        Assert.Contains($"learning_rate: {(string)trial1["optimizer.learning_rate"]!}   # the rate to search around", text);
        Assert.Contains($"rank: {(string)trial1["method.lora.rank"]!}   # small on purpose", text);
        await client.ReplaceAsync(uri, text);
        var diagnostics = await client.DiagnosticsAsync(uri);
        Assert.DoesNotContain(diagnostics, d => (int)d!["severity"]! == 1);

        // Then the best (no trial named): afterwards the document says what the best trial says.
        await client.RequestAsync("workspace/executeCommand", Command("lft.applySweep", uri));
        await client.ReplaceAsync(uri, client.Text(uri));
        await client.DiagnosticsAsync(uri);
        var after = (await client.RequestAsync("workspace/executeCommand", Command("lft.sweepResults", uri)))!;
        Assert.True((bool)after["applied"]!, after.ToJsonString());
        Assert.Empty(after["changes"]!.AsArray());
    }

    [Fact]
    public async Task Cancelling_a_search_stops_its_trials_trainer_processes_and_starts_no_more()
    {
        await using var client = await LspTestClient.StartAsync();
        var config = WriteConfig("long.lft.yaml", maxSteps: 20_000);
        var uri = await client.OpenAsync(config);
        await client.DiagnosticsAsync(uri);
        var sweepFolder = Path.Combine(_folder.Path, "run-long.lft.yaml-sweep");

        await client.RequestAsync("workspace/executeCommand", Command("lft.sweep", uri, new JsonObject { ["trials"] = 3, ["parallel"] = 2 }, "sweep-2"));
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (ProcessesNaming(sweepFolder).Count < 2 && DateTime.UtcNow < deadline)
            await Task.Delay(100);
        Assert.Equal(2, ProcessesNaming(sweepFolder).Count); // the baseline and trial 1, at once
        await client.NotifyAsync("window/workDoneProgress/cancel", new JsonObject { ["token"] = "sweep-2" });

        var end = await EndAsync(client, "sweep-2");
        Assert.Matches("^cancelled after 0 of [0-9]+ runs; the running trials were stopped", (string)end["message"]!);
        Assert.Empty(ProcessesNaming(sweepFolder));
        Assert.False(Directory.Exists(Path.Combine(sweepFolder, "trial-02")), "a trial started after the cancel");
        // Shown as a warning (window/showMessage type 2), not only logged.
        await client.MessageAsync(m => (int)m["type"]! == 2 && ((string)m["message"]!).StartsWith("Tuning long.lft.yaml: cancelled", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_config_without_eval_data_or_with_bad_options_is_refused_before_any_trial_runs()
    {
        await using var client = await LspTestClient.StartAsync();
        var noEval = await client.OpenAsync(WriteConfig("no-eval.lft.yaml", eval: false));
        await client.DiagnosticsAsync(noEval);
        var refused = await client.RequestErrorAsync("workspace/executeCommand", Command("lft.sweep", noEval));
        Assert.Contains("lft.sweep: no-eval.lft.yaml sets no eval data (data.eval); trials are scored by eval loss", refused.Message);

        var uri = await client.OpenAsync(WriteConfig("ok.lft.yaml"));
        await client.DiagnosticsAsync(uri);
        var fraction = await client.RequestErrorAsync("workspace/executeCommand", Command("lft.sweep", uri, new JsonObject { ["earlyFraction"] = 1.5 }));
        Assert.Contains("earlyFraction is a number between 0 and 1", fraction.Message);
        var space = await client.RequestErrorAsync("workspace/executeCommand", Command("lft.sweep", uri, new JsonObject { ["space"] = new JsonArray("optimizer.learning_rate") }));
        Assert.Contains("is not KEY=lo..hi", space.Message);
        Assert.False(Directory.Exists(Path.Combine(_folder.Path, "run-ok.lft.yaml-sweep")));
    }

    [Fact]
    public async Task Results_say_when_there_is_no_search_yet_and_name_the_line_of_a_results_file_that_is_not_one()
    {
        await using var client = await LspTestClient.StartAsync();
        var uri = await client.OpenAsync(WriteConfig("fresh.lft.yaml"));
        await client.DiagnosticsAsync(uri);

        var none = (await client.RequestAsync("workspace/executeCommand", Command("lft.sweepResults", uri)))!;
        Assert.False((bool)none["found"]!);
        Assert.Equal("No search of fresh.lft.yaml yet: run \"Tune hyperparameters\" (or `lft sweep fresh.lft.yaml`).", (string)none["message"]!);
        var nothingToApply = await client.RequestErrorAsync("workspace/executeCommand", Command("lft.applySweep", uri));
        Assert.Contains("no search of fresh.lft.yaml yet", nothingToApply.Message);

        _folder.Write("fresh.lft.sweep.jsonl", """{"trial":0,"baseline":true,"params":{},"early_eval_loss":2.5}""" + "\nnot json\n");
        var broken = await client.RequestErrorAsync("workspace/executeCommand", Command("lft.sweepResults", uri));
        Assert.Contains("fresh.lft.sweep.jsonl line 2 is not a trial of `lft sweep`; run the search again", broken.Message);
    }
}
