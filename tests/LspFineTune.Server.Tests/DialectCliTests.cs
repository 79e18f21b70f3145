using System.Diagnostics;

namespace LspFineTune.Server.Tests;

/// <summary>The `lft` contract for dialects (CONFIG.md): --dialect and hardware flags, skipped non-configs, and the JSON fields outside checks read.</summary>
public class DialectCliTests
{
    private static readonly string Axolotl = Repo.Example("axolotl/full-8b-zero2.yml");
    private static readonly string AxolotlFits = Repo.Example("axolotl/lora-1b.yml");
    private static readonly string NotAConfig = Path.Combine(Repo.Root, "tests", "corpus", "not-configs", "github-workflow.yml");

    [Fact]
    public void Check_skips_a_file_no_dialect_claims_says_so_and_exits_0()
    {
        var result = CliRunner.Run("check", NotAConfig, AxolotlFits);
        Assert.Equal(0, result.Exit);
        Assert.Contains($"{NotAConfig}: not a fine-tuning config (skipped)", result.StdoutLines);
        Assert.DoesNotContain(result.StdoutLines, l => l.StartsWith(NotAConfig + ":", StringComparison.Ordinal) && !l.EndsWith("(skipped)", StringComparison.Ordinal));
        Assert.Contains("1 skipped", result.Stderr);
    }

    [Fact]
    public void Check_json_names_each_files_dialect_and_null_for_a_skipped_file()
    {
        var files = CliRunner.Run("check", "--format", "json", Axolotl, NotAConfig, Repo.Example("llama2-7b-lora.lft.yaml")).Json().AsArray();
        Assert.Equal(["axolotl", null, "native"], files.Select(f => (string?)f!["dialect"]));
        Assert.True((bool)files[1]!["skipped"]!);
        Assert.Empty(files[1]!["diagnostics"]!.AsArray());
    }

    [Fact]
    public void Estimate_and_plan_refuse_a_file_no_dialect_claims_with_how_to_force_one()
    {
        foreach (var verb in new[] { "estimate", "plan" })
        {
            var result = CliRunner.Run(verb, NotAConfig);
            Assert.Equal(2, result.Exit);
            var line = Assert.Single(result.StderrLines);
            Assert.Contains("not a fine-tuning config", line);
            Assert.Contains("--dialect", line);
        }
    }

    [Fact]
    public void Estimate_json_names_the_dialect_every_file_read_and_where_the_hardware_came_from()
    {
        var json = CliRunner.Run("estimate", "--json", Axolotl).Json();
        Assert.Equal("axolotl", (string?)json["dialect"]);
        var files = json["files"]!.AsArray();
        Assert.Equal(["config", "companion"], files.Select(f => (string)f!["role"]!));
        Assert.EndsWith("ds_zero2.json", (string)files[1]!["path"]!);
        Assert.Equal(("a100-40gb", 8, "modeline"), ((string)json["hardware"]!["gpu"]!, (int)json["hardware"]!["gpus"]!, (string)json["hardware"]!["source"]!));
        Assert.False((bool)json["memory"]!["fits"]!);
    }

    [Fact]
    public void Hardware_flags_win_over_the_modeline()
    {
        var json = CliRunner.Run("estimate", "--json", "--gpu", "h100-sxm", "--gpus-per-node", "4", "--nodes", "2", Axolotl).Json();
        Assert.Equal(("h100-sxm", 8, "flag"), ((string)json["hardware"]!["gpu"]!, (int)json["hardware"]!["gpus"]!, (string)json["hardware"]!["source"]!));
        Assert.Equal(2, (int)json["hardware"]!["nodes"]!);
    }

    [Fact]
    public void A_forced_dialect_reads_the_file_as_that_dialect()
    {
        var forced = CliRunner.Run("check", "--format", "json", "--dialect", "native", Axolotl).Json().AsArray();
        Assert.Equal("native", (string?)forced[0]!["dialect"]);
        Assert.Contains(forced[0]!["diagnostics"]!.AsArray(), d => (string)d!["code"]! == "LFT0102");
        var unknown = CliRunner.Run("check", "--dialect", "axolot", Axolotl);
        Assert.Equal(2, unknown.Exit);
        Assert.Contains("unknown --dialect `axolot`", unknown.Stderr);
    }

    [Fact]
    public void Plan_json_changes_speak_the_dialects_keys_and_edits_name_their_file()
    {
        var json = CliRunner.Run("plan", "--json", Axolotl).Json();
        var plan = json["plan"]!;
        Assert.Contains(plan["changes"]!.AsArray(), c => (string)c!["path"]! == "deepspeed");
        var edit = Assert.Single(plan["edits"]!.AsArray());
        Assert.EndsWith("ds_zero2.json", (string)edit!["file"]!);
        Assert.Equal("3", (string)edit["new_text"]!);
    }

    [Fact]
    public void Companion_diagnostics_are_printed_in_the_companion_file()
    {
        using var folder = new TempFolder();
        Directory.CreateDirectory(folder.Path);
        File.WriteAllText(Path.Combine(folder.Path, "ds.json"), "{\"zero_optimization\": {\"stage\": 9}}");
        var config = Path.Combine(folder.Path, "train.yml");
        File.WriteAllText(config, "base_model: meta-llama/Llama-3.2-1B\nsequence_len: 1024\nmicro_batch_size: 1\nlearning_rate: 0.0001\ndeepspeed: ds.json\n");
        var result = CliRunner.Run("check", config);
        Assert.Equal(1, result.Exit);
        Assert.Contains(result.StdoutLines, l => l.Contains("ds.json:1:", StringComparison.Ordinal) && l.Contains("error LFT01", StringComparison.Ordinal));
        Assert.Contains(result.StdoutLines, l => l.StartsWith(config + ":5:", StringComparison.Ordinal) && l.Contains("LFT0209", StringComparison.Ordinal));
    }

    [Fact]
    public void A_FIFO_given_as_the_config_is_refused_without_blocking()
    {
        if (OperatingSystem.IsWindows())
            return;
        using var folder = new TempFolder();
        Directory.CreateDirectory(folder.Path);
        var fifo = Path.Combine(folder.Path, "config.yaml");
        using (var mkfifo = Process.Start("mkfifo", fifo))
            mkfifo.WaitForExit();
        var result = CliRunner.Run("check", fifo);
        Assert.Equal(2, result.Exit);
        Assert.Contains("not a regular file", result.Stderr);
    }

    [Fact]
    public void Dialects_lists_each_dialect_with_its_recognition_and_upstream_version()
    {
        var result = CliRunner.Run("dialects");
        Assert.Equal(0, result.Exit);
        Assert.Contains(result.StdoutLines, l => l.StartsWith("axolotl", StringComparison.Ordinal) && l.Contains("axolotl-ai-cloud/axolotl@067b021", StringComparison.Ordinal));
        Assert.Contains(result.StdoutLines, l => l.StartsWith("deepspeed", StringComparison.Ordinal) && l.Contains("deepspeedai/DeepSpeed@edaa722", StringComparison.Ordinal));
        Assert.Contains(result.StdoutLines, l => l.StartsWith("native", StringComparison.Ordinal));
    }
}
