using System.Text.Json.Nodes;
using LspFineTune.Server.Training;
using static LspFineTune.Server.Tests.Lsp.FeatureRequests;

namespace LspFineTune.Server.Tests.Lsp;

/// <summary>
/// "Train with axolotl": a GPU config in a framework's format gets the lens of the engine `lft train` would choose, and
/// lft.trainFramework answers how to start it (the command line lft builds, whether its program is installed, what it
/// still needs), which the VS Code extension runs as a task in the terminal.
/// </summary>
public sealed class FrameworkLensTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    private const string Axolotl = "# lft: gpu=h100-sxm gpus_per_node=2\nbase_model: meta-llama/Llama-3.2-1B\nsequence_len: 1024\nmicro_batch_size: 1\ngradient_accumulation_steps: 1\nadapter: lora\nlora_r: 8\nlearning_rate: 0.0002\nbf16: true\nmax_steps: 3\noutput_dir: ./out\n";

    private static async Task<List<(string Title, string Command)>> LensesAsync(LspTestClient client, string uri) =>
        (await client.RequestAsync("textDocument/codeLens", Document(uri)))!.AsArray().Select(l => ((string)l!["command"]!["title"]!, (string)l["command"]!["command"]!)).ToList();

    [Fact]
    public async Task A_gpu_config_in_a_frameworks_format_trains_on_that_framework_and_the_command_says_how()
    {
        await using var client = await LspTestClient.StartAsync();
        var config = _folder.Write("lora.yml", Axolotl);
        var uri = await client.OpenAsync(config);
        await client.DiagnosticsAsync(uri);

        var lenses = await LensesAsync(client, uri);
        Assert.Contains(("Train with axolotl", "lft.trainFramework"), lenses);
        Assert.DoesNotContain(lenses, l => l.Command is "lft.train" or "lft.sweep");

        var launch = (await client.RequestAsync("workspace/executeCommand", new JsonObject { ["command"] = "lft.trainFramework", ["arguments"] = new JsonArray(uri, new JsonObject { ["show"] = false }) }))!;
        Assert.Equal(("axolotl", "axolotl", "axolotl"), ((string)launch["framework"]!, (string)launch["name"]!, (string)launch["program"]!));
        // The GPUs of the estimate (the modeline's two) become the launcher's processes.
        Assert.Equal($"PYTHONUNBUFFERED=1 axolotl train {config} --launcher accelerate -- --num_processes 2 --num_machines 1 --multi_gpu", (string)launch["shell"]!);
        var installed = ExecutableSearch.Find("axolotl", Environment.GetEnvironmentVariable) is not null;
        Assert.Equal(installed, (bool)launch["installed"]!);
        Assert.Equal(0, (int)launch["errors"]!);
        Assert.Empty(launch["missing"]!.AsArray());
        Assert.StartsWith(installed ? "Train with axolotl in a terminal: `lft train lora.yml --engine framework`" : "`axolotl` is not on the PATH the editor was started with", (string)launch["message"]!);
        Assert.DoesNotContain(client.Messages, m => (int)m["type"]! <= 3 && ((string)m["message"]!).Contains("axolotl train", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Clients_without_a_terminal_of_their_own_are_shown_the_command_to_run()
    {
        await using var client = await LspTestClient.StartAsync();
        var uri = await client.OpenAsync(_folder.Write("lora.yml", Axolotl));
        await client.DiagnosticsAsync(uri);

        await client.RequestAsync("workspace/executeCommand", new JsonObject { ["command"] = "lft.trainFramework", ["arguments"] = new JsonArray(uri) });

        await client.MessageAsync(m => ((string)m["message"]!).Contains("axolotl train", StringComparison.Ordinal));
    }

    [Fact]
    public async Task The_native_format_and_a_framework_config_on_this_cpu_train_with_the_bundled_trainer()
    {
        await using var client = await LspTestClient.StartAsync();
        var native = await client.OpenAsync(Repo.Example("llama2-7b-lora.lft.yaml"));
        var onCpu = await client.OpenAsync(_folder.Write("cpu.yml", Axolotl.Replace("gpu=h100-sxm gpus_per_node=2", "gpu=cpu")));

        Assert.Contains(("Train with bundled trainer", "lft.train"), await LensesAsync(client, native));
        Assert.Contains(("Train with bundled trainer", "lft.train"), await LensesAsync(client, onCpu));
        var refused = await client.RequestErrorAsync("workspace/executeCommand", new JsonObject { ["command"] = "lft.trainFramework", ["arguments"] = new JsonArray(native) });
        Assert.Contains("lft.trainFramework: llama2-7b-lora.lft.yaml: the native format is the bundled trainer's", refused.Message);
    }
}
