using System.Text.Json;
using System.Text.Json.Nodes;
using LspFineTune.Server.Hosting;
using static LspFineTune.Server.Tests.Lsp.FeatureRequests;

namespace LspFineTune.Server.Tests.Lsp;

/// <summary>The accelerate config a run is launched with: the setting lft.accelerateConfig, the flag --accelerate-config,
/// and an open accelerate buffer whose edit re-estimates the trainer config that reads it.</summary>
public sealed class AccelerateSettingTests
{
    private const string Trainer = "# lft: gpu=a100-80gb\nbase_model: meta-llama/Llama-3.1-8B\nsequence_len: 2048\nmicro_batch_size: 1\ngradient_accumulation_steps: 4\nbf16: true\ngradient_checkpointing: true\nattn_implementation: flash_attention_2\nlearning_rate: 0.00002\n";

    private const string Fsdp = "compute_environment: LOCAL_MACHINE\ndistributed_type: FSDP\nfsdp_config:\n  fsdp_version: 2\n  fsdp_reshard_after_forward: true\nmixed_precision: bf16\nnum_machines: 1\nnum_processes: 1\n";

    [Fact]
    public void The_setting_is_read_and_reaches_the_binding_options()
    {
        var problems = new List<string>();
        var settings = ServerSettings.Read(JsonDocument.Parse("""{"lft": {"accelerateConfig": " configs/fsdp.yaml "}}""").RootElement, new ServerSettings(), problems);
        Assert.Empty(problems);
        Assert.Equal("configs/fsdp.yaml", settings.ToAnalysisOptions().Binding.AccelerateConfigPath);
        ServerSettings.Read(JsonDocument.Parse("""{"accelerateConfig": 3}""").RootElement, settings, problems);
        Assert.Contains(problems, p => p.Contains("lft.accelerateConfig"));
        Assert.Null(ServerSettings.Read(JsonDocument.Parse("""{"accelerateConfig": ""}""").RootElement, settings, []).AccelerateConfig);
    }

    [Fact]
    public async Task The_setting_names_the_launch_file_and_editing_its_buffer_re_estimates_the_trainer_config()
    {
        using var folder = new TempFolder();
        var launch = folder.Write("fsdp.yaml", Fsdp);
        var config = folder.Write("train.yml", Trainer);
        await using var client = await LspTestClient.StartAsync(settings: new JsonObject { ["accelerateConfig"] = launch });
        var uri = await client.OpenAsync(config);
        // One process: the full fine-tune does not fit one GPU.
        await client.DiagnosticsUntilAsync(uri, d => d.Any(x => (string)x!["code"]! == "LFT0301"));
        var lenses = (await client.RequestAsync("textDocument/codeLens", Document(uri)))!.AsArray();
        Assert.Contains(lenses, l => ((string)l!["command"]!["title"]!).StartsWith("On 1 × A100 80GB", StringComparison.Ordinal));

        // Eight processes, edited in the open accelerate buffer (not saved): FSDP over 8 GPUs fits.
        var launchUri = await client.OpenAsync(launch);
        // Opening it re-analyses the config (it reads the buffer now); wait for that before editing.
        await client.DiagnosticsAsync(uri);
        await client.ReplaceAsync(launchUri, Fsdp.Replace("num_processes: 1", "num_processes: 8"));
        await client.DiagnosticsUntilAsync(uri, d => d.All(x => (string)x!["code"]! != "LFT0301"));
        lenses = (await client.RequestAsync("textDocument/codeLens", Document(uri)))!.AsArray();
        Assert.Contains(lenses, l => ((string)l!["command"]!["title"]!).Contains("8 × A100 80GB", StringComparison.Ordinal)
            && ((string)l["command"]!["title"]!).Contains("from accelerate config fsdp.yaml", StringComparison.Ordinal));
    }

    [Fact]
    public void The_flag_names_the_launch_file_on_the_command_line()
    {
        using var folder = new TempFolder();
        var launch = folder.Write("fsdp.yaml", Fsdp.Replace("num_processes: 1", "num_processes: 8"));
        var config = folder.Write("train.yml", Trainer);
        var result = CliRunner.Run("estimate", config, "--accelerate-config", launch);
        Assert.Equal(0, result.Exit);
        Assert.Contains(result.StdoutLines, l => l.Contains("8 x A100", StringComparison.Ordinal) && l.Contains("from accelerate config fsdp.yaml", StringComparison.Ordinal));
        var missing = CliRunner.Run("check", config, "--accelerate-config", Path.Combine(folder.Path, "gone.yaml"));
        Assert.Equal(1, missing.Exit);
        Assert.Contains(missing.StdoutLines, l => l.Contains("LFT0209", StringComparison.Ordinal) && l.Contains("--accelerate-config", StringComparison.Ordinal));
    }
}
