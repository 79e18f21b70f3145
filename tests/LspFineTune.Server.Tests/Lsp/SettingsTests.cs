using System.Text.Json.Nodes;

namespace LspFineTune.Server.Tests.Lsp;

/// <summary>The lft.* settings: initializationOptions, workspace/configuration and didChangeConfiguration.</summary>
public sealed class SettingsTests
{
    private const string NoGpu = "model:\n  name: llama-2-7b\nmethod:\n  type: full\ntraining:\n  micro_batch_size: 1\n  sequence_length: 512\ndata:\n  num_examples: 100\n";

    [Fact]
    public async Task The_default_gpu_setting_decides_the_estimate_of_a_config_without_one()
    {
        await using var client = await LspTestClient.StartAsync(settings: new JsonObject { ["defaultGpu"] = "rtx-4090" });
        var uri = await client.OpenAsync("/tmp/no-gpu.lft.yaml", NoGpu);

        var diagnostics = await client.DiagnosticsUntilAsync(uri, d => d.Any(x => ((string)x!["message"]!).Contains("RTX 4090")));
        Assert.Contains(diagnostics, d => (string)d!["code"]! == "LFT0301");
    }

    [Fact]
    public async Task Changing_settings_republishes_diagnostics_of_open_documents()
    {
        await using var client = await LspTestClient.StartAsync();
        var uri = await client.OpenAsync("/tmp/no-gpu.lft.yaml", NoGpu);
        await client.DiagnosticsUntilAsync(uri, d => d.Any(x => ((string)x!["message"]!).Contains("A100")));

        client.Settings = new JsonObject { ["defaultGpu"] = "h100-sxm", ["gpuCount"] = 8 };
        await client.NotifyAsync("workspace/didChangeConfiguration", new JsonObject { ["settings"] = null });

        await client.DiagnosticsUntilAsync(uri, d => d.Any(x => ((string)x!["message"]!).Contains("H100")));
        Assert.True(client.ConfigurationRequests >= 2);
    }

    [Fact]
    public async Task Clients_without_configuration_support_push_settings_in_didChangeConfiguration()
    {
        await using var client = await LspTestClient.StartAsync(capabilities: new JsonObject(), initializationOptions: new JsonObject { ["lft"] = new JsonObject { ["validateSchema"] = false } });
        var uri = await client.OpenAsync("/tmp/unknown-key.lft.yaml", NoGpu + "surprise: 1\n");
        Assert.DoesNotContain(await client.DiagnosticsAsync(uri), d => (string)d!["code"]! == "LFT0102");

        await client.NotifyAsync("workspace/didChangeConfiguration", new JsonObject { ["settings"] = new JsonObject { ["lft"] = new JsonObject { ["validateSchema"] = true } } });
        await client.DiagnosticsUntilAsync(uri, d => d.Any(x => (string)x!["code"]! == "LFT0102"));
        Assert.Equal(0, client.ConfigurationRequests);
    }

    [Fact]
    public async Task A_bad_setting_is_reported_and_ignored()
    {
        await using var client = await LspTestClient.StartAsync(settings: new JsonObject { ["defaultGpu"] = "rtx-9999", ["units"] = "bytes" });
        var uri = await client.OpenAsync("/tmp/no-gpu.lft.yaml", NoGpu);
        await client.DiagnosticsAsync(uri);
        await client.RequestAsync("textDocument/documentSymbol", FeatureRequests.Document(uri));
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (client.Messages.Count(m => (int)m["type"]! == 2) < 2 && DateTime.UtcNow < deadline)
            await Task.Delay(20);
        Assert.Contains(client.Messages, m => ((string)m["message"]!).Contains("unknown GPU `rtx-9999`"));
        Assert.Contains(client.Messages, m => ((string)m["message"]!).Contains("lft.units"));
    }
}
