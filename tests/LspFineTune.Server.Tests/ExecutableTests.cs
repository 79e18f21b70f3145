using System.Diagnostics;
using System.Reflection;

namespace LspFineTune.Server.Tests;

/// <summary>The real built `lft` executable, as a process: exit codes and streams as a shell sees them.</summary>
public sealed class ExecutableTests : IDisposable
{
    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>lft.dll next to the tests (the project reference copies it), else the Server project's own build of this configuration.</summary>
    private static string LftDll()
    {
        var beside = Path.Combine(AppContext.BaseDirectory, "lft.dll");
        if (File.Exists(beside) && File.Exists(Path.Combine(AppContext.BaseDirectory, "lft.runtimeconfig.json")))
            return beside;
        var configuration = typeof(ExecutableTests).Assembly.GetCustomAttribute<AssemblyConfigurationAttribute>()?.Configuration ?? "Release";
        var built = Path.Combine(Repo.Root, "server", "LspFineTune.Server", "bin", configuration, "net10.0", "lft.dll");
        Assert.True(File.Exists(built), $"lft.dll is neither in {AppContext.BaseDirectory} nor at {built}");
        return built;
    }

    private static CliResult RunProcess(params string[] args)
    {
        var dotnet = Packaging.ProcessRun.Dotnet;
        var start = new ProcessStartInfo(dotnet)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            WorkingDirectory = Repo.Root,
        };
        start.ArgumentList.Add(LftDll());
        foreach (var arg in args)
            start.ArgumentList.Add(arg);

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {dotnet}");
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"lft {string.Join(' ', args)} ran over 2 minutes");
        }
        return new CliResult(process.ExitCode, stdout.Result, stderr.Result);
    }

    [Fact]
    public void Estimate_json_of_an_example_exits_with_its_verdict_and_prints_json()
    {
        var fits = RunProcess("estimate", "--json", "examples/llama2-7b-lora.lft.yaml");
        Assert.True(fits.Exit == 0, fits.ToString());
        var json = fits.Json();
        Assert.Equal("examples/llama2-7b-lora.lft.yaml", (string)json["file"]!);
        Assert.True((bool)json["memory"]!["fits"]!);
        Assert.Equal(8_388_608, (long)json["model"]!["trainable_parameters"]!);
        var breakdown = json["memory"]!["breakdown"]!.AsObject();
        Assert.Equal((long)json["memory"]!["peak_bytes_per_gpu"]!, breakdown.Sum(t => (long)t.Value!));

        var oom = RunProcess("estimate", "--json", "examples/llama2-70b-full-8xa100.lft.yaml");
        Assert.True(oom.Exit == 1, oom.ToString());
        Assert.False((bool)oom.Json()["memory"]!["fits"]!);
        Assert.Contains("LFT0301", CliRunner.Codes(oom.Json()));
    }

    [Fact]
    public void A_missing_file_exits_2_with_a_single_line_on_stderr()
    {
        var missing = Path.Combine(_temp.Path, "missing.lft.yaml");
        var result = RunProcess("estimate", missing);

        Assert.Equal(2, result.Exit);
        Assert.Equal("", result.Stdout);
        var line = Assert.Single(result.StderrLines);
        Assert.Contains(missing, line);
    }

    [Fact]
    public void Plan_json_of_a_config_that_does_not_fit_prints_the_plan()
    {
        var result = RunProcess("plan", "--json", "examples/mistral-7b-long-context.lft.yaml");
        Assert.True(result.Exit == 0, result.ToString());
        var plan = result.Json()["plan"]!;
        Assert.Contains(plan["changes"]!.AsArray(), c => (string)c!["path"]! == "training.attention" && (string)c["value"]! == "flash");
    }
}
