using System.Text.Json;
using LspFineTune.Server.Hosting;

namespace LspFineTune.Server.Tests.Lsp;

public sealed class ServerSettingsTests
{
    private static (ServerSettings Settings, List<string> Problems) Read(string json)
    {
        var problems = new List<string>();
        return (ServerSettings.Read(JsonDocument.Parse(json).RootElement, new ServerSettings(), problems), problems);
    }

    [Fact]
    public void Reads_the_lft_section_or_its_contents()
    {
        var nested = Read("""{"lft": {"defaultGpu": "H100", "gpuCount": 8, "units": "GiB", "validateSchema": false}}""").Settings;
        var flat = Read("""{"defaultGpu": "H100", "gpuCount": 8, "units": "GiB", "validateSchema": false}""").Settings;
        Assert.Equal(nested, flat);
        Assert.Equal("h100-sxm", nested.DefaultGpu);
        Assert.Equal(8, nested.GpuCount);
        Assert.True(nested.BinaryUnits);
        Assert.False(nested.ValidateSchema);
        Assert.Equal("h100-sxm", nested.ToAnalysisOptions().Binding.DefaultGpu);
    }

    [Fact]
    public void Bad_values_are_reported_and_keep_the_previous_setting()
    {
        var (settings, problems) = Read("""{"defaultGpu": "rtx-9999", "gpuCount": 0, "units": "bytes", "validateSchema": "yes"}""");
        Assert.Equal(new ServerSettings(), settings);
        Assert.Equal(4, problems.Count);
        Assert.Contains(problems, p => p.Contains("unknown GPU `rtx-9999`") && p.Contains("lft gpus"));
    }

    /// <summary>Program paths never come from configuration (a workspace can set it); VS Code sends them anyway, so no warning.</summary>
    [Fact]
    public void Program_paths_in_the_configuration_are_ignored_without_a_warning()
    {
        var (settings, problems) = Read("""{"lft": {"trainerPath": "./evil.dll", "dotnetPath": "./dotnet"}}""");
        Assert.Equal(new ServerSettings(), settings);
        Assert.Empty(problems);
    }

    [Fact]
    public void Null_or_missing_settings_change_nothing()
    {
        Assert.Equal(new ServerSettings(), ServerSettings.Read(null, new ServerSettings(), []));
        Assert.Equal(new ServerSettings(), Read("""{"lft": null, "other": 1}""").Settings);
    }
}
