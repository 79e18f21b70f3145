using System.Text.Json.Nodes;
using LspFineTune.Server.Cli;

namespace LspFineTune.Server.Tests.Training;

/// <summary>
/// `lft train FILE --engine framework`: the command line (--dry-run, as text and JSON), what stops it before it starts
/// (no framework installed, config errors, a multi-node run without its rendezvous), and a real run of a stand-in
/// framework that prints real-format log lines: progress events, the measured peak next to the estimate, the history.
/// </summary>
public sealed class FrameworkTrainTests : IDisposable
{
    private readonly TempFolder _folder = new();
    private readonly FakeFramework _framework = new();

    public void Dispose()
    {
        _framework.Dispose();
        _folder.Dispose();
    }

    private const string Axolotl = "# lft: gpu=h100-sxm gpus_per_node=2\nbase_model: meta-llama/Llama-3.2-1B\nsequence_len: 1024\nmicro_batch_size: 1\ngradient_accumulation_steps: 1\nadapter: lora\nlora_r: 8\nlearning_rate: 0.0002\nbf16: true\nmax_steps: 3\noutput_dir: ./out\n";

    private CliResult Train(Func<string, string?>? environment, params string[] args)
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        int exit;
        try
        {
            exit = TrainCommand.Run(args, stdout, stderr, environment ?? _framework.Environment());
        }
        catch (UsageException e)
        {
            stderr.WriteLine($"lft train: {e.Message}");
            exit = CommandLine.CannotRun;
        }
        return new CliResult(exit, stdout.ToString(), stderr.ToString());
    }

    [Fact]
    public void Dry_run_prints_the_frameworks_command_with_the_estimates_GPUs_and_starts_nothing()
    {
        var config = _folder.Write("config.yml", Axolotl);
        var result = Train(null, config, "--engine", "framework", "--dry-run");
        Assert.True(result.Exit == 0, result.ToString());
        Assert.Equal($"PYTHONUNBUFFERED=1 axolotl train {config} --launcher accelerate -- --num_processes 2 --num_machines 1 --multi_gpu", result.StdoutLines.Single());
        Assert.Contains("nothing was started", result.Stderr);
        Assert.False(Directory.Exists(Path.Combine(_folder.Path, ".lft")));
    }

    [Fact]
    public void Dry_run_json_gives_the_command_its_environment_and_what_a_run_writes()
    {
        var config = _folder.Write("config.yaml", "# lft: gpu=a100-80gb gpus_per_node=4\nmodel_name_or_path: meta-llama/Llama-3.2-1B\nstage: sft\ndo_train: true\ndataset: alpaca_en_demo\ntemplate: llama3\nfinetuning_type: lora\n");
        var json = Train(null, config, "--dry-run", "--json").Json();
        Assert.Equal("llamafactory", (string)json["framework"]!);
        Assert.Equal(["llamafactory-cli", "train", config], json["command"]!.AsArray().Select(a => (string)a!));
        Assert.Equal("4", (string)json["environment"]!["NPROC_PER_NODE"]!);
        Assert.Equal("1", (string)json["environment"]!["FORCE_TORCHRUN"]!);
        Assert.EndsWith("runs.jsonl", (string)json["writes"]![0]!);
    }

    [Fact]
    public void Options_after_the_separator_go_to_the_framework_and_bundled_trainer_options_are_refused()
    {
        var config = _folder.Write("config.yml", Axolotl);
        var passed = Train(null, config, "--engine", "framework", "--dry-run", "--", "--debug");
        Assert.EndsWith("--multi_gpu --debug", passed.StdoutLines.Single());
        var refused = Train(null, config, "--engine", "framework", "--max-steps", "3");
        Assert.Equal(2, refused.Exit);
        Assert.Contains("`--max-steps` is an option of the bundled trainer", refused.Stderr);
    }

    [Fact]
    public void A_framework_that_is_not_installed_is_said_with_how_to_see_the_command()
    {
        var config = _folder.Write("config.yml", Axolotl);
        var result = Train(name => name == "PATH" ? _framework.Folder : null, config, "--engine", "framework");
        Assert.Equal(2, result.Exit);
        Assert.Contains("`axolotl` is not on PATH", result.Stderr);
        Assert.Contains("--dry-run", result.Stderr);
    }

    [Fact]
    public void A_config_with_errors_is_not_started_unless_forced_and_its_dry_run_still_shows_the_command()
    {
        // 70B in full bf16 on one 80 GB GPU: the estimate's out-of-memory error.
        var config = _folder.Write("config.yml", "# lft: gpu=a100-80gb\nbase_model: meta-llama/Llama-3.1-70B\nsequence_len: 4096\nmicro_batch_size: 4\nlearning_rate: 0.0002\nbf16: true\n");
        var refused = Train(null, config, "--engine", "framework");
        Assert.Equal(1, refused.Exit);
        Assert.Contains("error LFT03", refused.Stderr);
        Assert.Contains("--force", refused.Stderr);
        var dry = Train(null, config, "--engine", "framework", "--dry-run");
        Assert.Equal(1, dry.Exit);
        Assert.StartsWith("PYTHONUNBUFFERED=1 axolotl train", dry.StdoutLines.Single());
    }

    [Fact]
    public void A_multi_node_run_without_its_rendezvous_is_not_started()
    {
        var config = _folder.Write("config.yml", Axolotl.Replace("gpus_per_node=2", "gpus_per_node=8 nodes=2"));
        _framework.Script("axolotl", "exit 0\n");
        var result = Train(null, config, "--engine", "framework");
        Assert.Equal(2, result.Exit);
        Assert.Contains("NODE_RANK and MASTER_ADDR", result.Stderr);
    }

    [Fact]
    public void A_native_config_defaults_to_the_bundled_trainer_and_is_refused_by_the_framework_engine()
    {
        var config = _folder.Write("tiny.lft.yaml", "model:\n  name: llama-2-7b\n");
        var result = Train(null, config, "--engine", "framework");
        Assert.Equal(2, result.Exit);
        Assert.Contains("lft export FILE --to axolotl", result.Stderr);
    }

    [Fact]
    public void A_run_streams_the_frameworks_output_reports_its_steps_and_records_the_measured_peak_next_to_the_estimate()
    {
        var config = _folder.Write("config.yml", Axolotl);
        _framework.Script("axolotl", FakeFramework.AxolotlRun);
        var metrics = Path.Combine(_folder.Path, "metrics.jsonl");
        var result = Train(null, config, "--engine", "framework", "--metrics", metrics);
        Assert.True(result.Exit == 0, result.ToString());
        // The framework's own output, as it printed it.
        Assert.Contains("{'loss': '2.25'", result.Stdout);
        Assert.Contains($"[axolotl] args: train {config} --launcher accelerate -- --num_processes 2 --num_machines 1 --multi_gpu", result.Stderr);
        Assert.Contains("\r 67%|", result.Stderr);
        var summary = result.StderrLines.Last();
        Assert.Matches(@"^lft train: done after 3 steps, final loss 2\.250; peak 18\.3 GB reserved measured vs [0-9.]+ GB estimated \(estimate [+−][0-9]+%\) \(from axolotl's memory/max_allocated and memory/device_reserved \(GiB\)\); 2,100 tokens/s per GPU \(estimated [0-9,]+\); recorded in ", summary);

        var events = File.ReadAllLines(metrics).Select(l => JsonNode.Parse(l)!).ToList();
        Assert.Equal(["start", "step", "step", "step", "end"], events.Select(e => (string)e["event"]!));
        Assert.Equal([1L, 2, 3], events.Where(e => (string)e["event"]! == "step").Select(e => (long)e["step"]!));
        // The bar (stderr) and the dict lines (stdout) come through two pipes: a step carries the latest loss read by then.
        Assert.All(events.Where(e => (string)e["event"]! == "step"), e => Assert.True(e["loss"] is null || (double)e["loss"]! is 2.5 or 2.25, e.ToJsonString()));
        Assert.Equal(2.25, (double)events[^1]["final_loss"]!);
        Assert.Equal(17L * 1024 * 1024 * 1024, (long)events[^1]["peak_gpu_bytes"]!);
        // The end event carries the summary line too, for an editor that reads the events, not the terminal.
        Assert.Equal(summary["lft train: ".Length..], (string)events[^1]["summary"]!);

        var history = File.ReadAllLines(Path.Combine(_folder.Path, ".lft", "runs.jsonl")).Select(l => JsonNode.Parse(l)!).Single();
        Assert.Equal(("config.yml", "framework", "axolotl", "done", 0), ((string)history["config"]!, (string)history["engine"]!, (string)history["framework"]!, (string)history["exit"]!["outcome"]!, (int)history["exit"]!["code"]!));
        Assert.Equal(Core.Runs.History.RunHistory.Hash(Axolotl), (string)history["config_sha256"]!);
        Assert.Equal(("h100-sxm", 2, "modeline"), ((string)history["hardware"]!["gpu"]!, (int)history["hardware"]!["gpus_per_node"]!, (string)history["hardware"]!["source"]!));
        Assert.Equal((17L * 1024 * 1024 * 1024, "reserved"), ((long)history["measured"]!["peak_bytes"]!, (string)history["measured"]!["peak_kind"]!));
        Assert.True((long)history["estimate"]!["reserved_bytes"]! > 0);
    }

    [Fact]
    public void A_failing_framework_exits_with_its_own_code_and_is_recorded_as_failed()
    {
        var config = _folder.Write("config.yml", Axolotl);
        _framework.Script("axolotl", "echo 'torch.OutOfMemoryError: CUDA out of memory.' >&2\nexit 3\n");
        var result = Train(null, config, "--engine", "framework");
        Assert.Equal(3, result.Exit);
        Assert.Contains("failed with exit code 3; the run reported no peak memory", result.StderrLines.Last());
        Assert.Contains("\"outcome\":\"failed\"", File.ReadAllText(Path.Combine(_folder.Path, ".lft", "runs.jsonl")));
    }

    [Fact]
    public void Progress_events_on_stdout_move_the_frameworks_own_stdout_to_stderr()
    {
        var config = _folder.Write("config.yml", Axolotl);
        _framework.Script("axolotl", FakeFramework.AxolotlRun);
        var result = Train(null, config, "--engine", "framework", "--metrics", "-");
        Assert.True(result.Exit == 0, result.ToString());
        Assert.All(result.StdoutLines, line => Assert.StartsWith("{\"event\":", line));
        Assert.Contains("{'loss': '2.25'", result.Stderr);
    }
}
