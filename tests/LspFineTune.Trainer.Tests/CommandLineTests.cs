namespace LspFineTune.Trainer.Tests;

/// <summary>Bad input never crashes: one clear stderr line and a non-zero exit code.</summary>
public sealed class CommandLineTests
{
    [Fact]
    public void A_missing_config_file_exits_2_with_one_line()
    {
        var (code, stdout, stderr) = TrainerProcess.Run("train", "/nonexistent/x.lft.yaml");
        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.Equal("lft-train: /nonexistent/x.lft.yaml: no such config file.", stderr.Trim());
    }

    [Fact]
    public void A_config_with_errors_exits_1_naming_the_line()
    {
        using var run = new TempRun();
        var config = run.WriteConfig("""
            method:
              type: lora
            optimizer:
              type: adamw
            training:
              micro_batch_size: 4
              attention: warp_speed
            """);
        var (code, _, stderr) = TrainerProcess.Run("train", config);
        Assert.Equal(1, code);
        Assert.Contains($"{config}:", stderr);
        Assert.DoesNotContain("   at ", stderr);
    }

    [Fact]
    public void An_unknown_option_is_a_usage_error()
    {
        var (code, _, stderr) = TrainerProcess.Run("train", "x.lft.yaml", "--fast");
        Assert.Equal(2, code);
        Assert.Contains("unknown option --fast", stderr);
    }

    [Fact]
    public void The_metrics_file_holds_the_same_json_lines_as_stdout()
    {
        using var run = new TempRun();
        var config = run.WriteConfig("""
            method:
              type: lora
            optimizer:
              type: sgd
              learning_rate: 1.0e-2
            training:
              micro_batch_size: 2
              sequence_length: 32
              max_steps: 50
            """);
        var metricsFile = Path.Combine(run.Directory, "metrics.jsonl");

        var (code, stdout, stderr) = TrainerProcess.Run("train", config, "--max-steps", "3", "--metrics", metricsFile);

        Assert.True(code == 0, stderr);
        Assert.Equal(stdout.Replace("\r\n", "\n"), File.ReadAllText(metricsFile).Replace("\r\n", "\n"));
        Assert.Equal(3, new MetricsLines(stdout).Events("step").Count());
    }
}
