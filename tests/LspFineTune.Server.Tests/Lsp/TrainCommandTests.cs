using System.Text.Json.Nodes;

namespace LspFineTune.Server.Tests.Lsp;

/// <summary>
/// lft.train: the bundled trainer as a subprocess, its metrics as $/progress, its end next to the estimate.
/// Uses the trainer's Release build that `dotnet test LspFineTune.sln` (./test) builds with the solution.
/// </summary>
public sealed class TrainCommandTests : IDisposable
{
    private readonly TempFolder _output = new();

    public void Dispose() => _output.Dispose();

    private static JsonObject Train(string uri, JsonObject options, string? workDoneToken = null) =>
        new() { ["command"] = "lft.train", ["arguments"] = new JsonArray(uri, options), ["workDoneToken"] = workDoneToken };

    private static async Task<JsonNode> ProgressEndAsync(LspTestClient client, string token)
    {
        var deadline = DateTime.UtcNow.AddMinutes(4);
        while (DateTime.UtcNow < deadline)
        {
            if (client.Progress.FirstOrDefault(p => (string)p["token"]! == token && (string)p["value"]!["kind"]! == "end") is { } end)
                return end;
            await Task.Delay(50);
        }
        throw new Xunit.Sdk.XunitException($"training {token} did not end; messages:\n{string.Join("\n", client.Messages.Select(m => (string?)m["message"]))}");
    }

    [Fact]
    public async Task Training_reports_steps_as_progress_and_ends_with_measured_memory_next_to_the_estimate()
    {
        await using var client = await LspTestClient.StartAsync();
        var uri = await client.OpenAsync(Repo.Example("tiny-cpu-lora.lft.yaml"));
        await client.DiagnosticsAsync(uri);

        var started = (await client.RequestAsync("workspace/executeCommand", Train(uri, new JsonObject { ["maxSteps"] = 4, ["outputDir"] = _output.Path, ["threads"] = 1 })))!;
        Assert.True((bool)started["started"]!);
        var token = (string)started["token"]!;

        var end = await ProgressEndAsync(client, token);
        var progress = client.Progress.Where(p => (string)p["token"]! == token).Select(p => p["value"]!).ToList();
        Assert.Equal("begin", (string)progress[0]["kind"]!);
        Assert.True((bool)progress[0]["cancellable"]!);
        var reports = progress.Where(p => (string)p["kind"]! == "report").Select(p => (string)p["message"]!).ToList();
        Assert.Contains(reports, r => r.StartsWith("step 4/4 · loss ", StringComparison.Ordinal));
        var summary = (string)end["value"]!["message"]!;
        Assert.True(System.Text.RegularExpressions.Regex.IsMatch(summary,
            @"^done after 4 steps: final loss [0-9.]+, eval loss [0-9.]+ → [0-9.]+; peak memory [0-9.]+ [GM]B measured vs [0-9.]+ [GM]B estimated \(estimate [+−][0-9]+%\); adapter in "), summary);
        // Each step's metrics also go to the editor's log (the output channel).
        Assert.Contains(client.Messages, m => System.Text.RegularExpressions.Regex.IsMatch((string)m["message"]!, @"^lft-train: step 2/4 · loss [0-9.]+( · ETA [^·]+)? · lr [0-9.]+ · [0-9,]+ tokens/s · [0-9]+ ms/step · peak [0-9.]+ [GMK]B$"));
        var shown = await client.MessageAsync(m => ((string)m["message"]!).Contains("done after 4 steps"));
        Assert.Equal(3, (int)shown["type"]!);
        Assert.True(File.Exists(Path.Combine(_output.Path, "adapter", "adapter_model.safetensors")));
    }

    [Fact]
    public async Task A_progress_token_the_client_created_is_the_one_the_run_reports_on()
    {
        await using var client = await LspTestClient.StartAsync();
        var uri = await client.OpenAsync(Repo.Example("tiny-cpu-lora.lft.yaml"));
        await client.DiagnosticsAsync(uri);

        var started = (await client.RequestAsync("workspace/executeCommand", Train(uri, new JsonObject { ["maxSteps"] = 2, ["outputDir"] = _output.Path, ["threads"] = 1 }, "client-token-7")))!;

        Assert.Equal("client-token-7", (string)started["token"]!);
        var end = await ProgressEndAsync(client, "client-token-7");
        Assert.StartsWith("done after 2 steps", (string)end["value"]!["message"]!);
    }

    [Fact]
    public async Task Cancelling_the_progress_stops_the_run_after_a_step_and_says_how_to_resume()
    {
        await using var client = await LspTestClient.StartAsync();
        var uri = await client.OpenAsync(Repo.Example("tiny-cpu-lora.lft.yaml"));
        await client.DiagnosticsAsync(uri);
        var token = (string)(await client.RequestAsync("workspace/executeCommand", Train(uri, new JsonObject { ["maxSteps"] = 500, ["outputDir"] = _output.Path, ["threads"] = 1 })))!["token"]!;

        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (!client.Progress.Any(p => (string)p["token"]! == token && (string)p["value"]!["kind"]! == "report") && DateTime.UtcNow < deadline)
            await Task.Delay(50);
        await client.NotifyAsync("window/workDoneProgress/cancel", new JsonObject { ["token"] = token });

        var end = await ProgressEndAsync(client, token);
        Assert.Matches("^cancelled after step [0-9]+; a checkpoint was written: resume with", (string)end["value"]!["message"]!);
    }

    /// <summary>
    /// A workspace's settings reach the server as configuration (initializationOptions, workspace/configuration); a
    /// program path there is not used, so a repository cannot choose what "Train" runs.
    /// </summary>
    [Fact]
    public async Task A_trainer_path_in_the_editors_configuration_is_not_run()
    {
        var marker = Path.Combine(_output.Path, "impostor-ran");
        var impostor = Training.Impostors.Script(_output.Path, "lft-train.dll", marker);
        var fromWorkspace = new JsonObject { ["trainerPath"] = impostor, ["dotnetPath"] = impostor };
        await using var client = await LspTestClient.StartAsync(settings: fromWorkspace, initializationOptions: new JsonObject { ["lft"] = fromWorkspace.DeepClone() });
        var uri = await client.OpenAsync(Repo.Example("tiny-cpu-lora.lft.yaml"));
        await client.DiagnosticsAsync(uri);

        var started = (await client.RequestAsync("workspace/executeCommand", Train(uri, new JsonObject { ["maxSteps"] = 1, ["outputDir"] = Path.Combine(_output.Path, "run"), ["threads"] = 1 })))!;
        var end = await ProgressEndAsync(client, (string)started["token"]!);

        Assert.StartsWith("done after 1 step", (string)end["value"]!["message"]!);
        Assert.False(File.Exists(marker), "the trainer path from the configuration was run");
        Assert.DoesNotContain(client.Messages, m => ((string)m["message"]!).Contains("trainerPath", StringComparison.Ordinal));
    }

    [Fact]
    public async Task A_config_with_unsaved_changes_or_errors_is_not_trained()
    {
        await using var client = await LspTestClient.StartAsync();
        var path = Repo.Example("tiny-cpu-lora.lft.yaml");
        var uri = await client.OpenAsync(path, File.ReadAllText(path) + "\n# an unsaved edit\n");
        var unsaved = await client.RequestErrorAsync("workspace/executeCommand", Train(uri, new JsonObject()));
        Assert.Contains("unsaved changes; save it first", unsaved.Message);

        var broken = await client.OpenAsync(Path.Combine(_output.Path, "broken.lft.yaml"), "model:\n  path: ./nowhere\nhardware:\n  gpu: cpu\n");
        File.WriteAllText(Path.Combine(_output.Path, "broken.lft.yaml"), client.Text(broken));
        var errors = await client.RequestErrorAsync("workspace/executeCommand", Train(broken, new JsonObject()));
        Assert.Contains("fix the errors it reports first", errors.Message);
    }
}
