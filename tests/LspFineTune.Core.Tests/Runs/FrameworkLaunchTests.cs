using LspFineTune.Core.Runs;
using LspFineTune.Core.Tests.Dialects;

namespace LspFineTune.Core.Tests.Runs;

/// <summary>
/// The command line built for each framework and hardware context: the launcher, the GPU count from the hardware the
/// estimate used (flag, modeline, launch file, default), the launch file, and the rendezvous of a multi-node run. The
/// flags and variables are the ones the frameworks read at their pinned commits (see each builder's comment).
/// </summary>
public class FrameworkLaunchTests
{
    private const string Axolotl = "base_model: meta-llama/Llama-3.1-8B\nsequence_len: 2048\nmicro_batch_size: 1\ngradient_accumulation_steps: 4\nadapter: lora\nlora_r: 16\nbf16: true\noutput_dir: ./out\n";

    private static readonly Func<string, string?> NoEnvironment = _ => null;

    private static LaunchResult Launch(DialectTestFiles files, string name, string text, Func<string, string?>? environment = null, Core.Planning.BindingOptions? binding = null)
    {
        files.Write(name, text);
        var analysis = files.Analyze(name, new AnalysisOptions { Binding = binding ?? new Core.Planning.BindingOptions { AccelerateDefaultConfig = null } });
        return FrameworkLaunch.For(analysis, name, environment ?? NoEnvironment);
    }

    private static LaunchCommand Command(LaunchResult result)
    {
        Assert.True(result.Command is not null, result.Problem);
        return result.Command!;
    }

    private static string Env(LaunchCommand command) => string.Join(' ', command.Environment.Select(e => $"{e.Key}={e.Value}"));

    [Fact]
    public void Axolotl_on_one_GPU_says_one_process_so_a_machine_with_more_GPUs_does_not_start_one_per_GPU()
    {
        using var files = new DialectTestFiles();
        var command = Command(Launch(files, "config.yml", Axolotl));
        Assert.Equal("axolotl train config.yml --launcher accelerate -- --num_processes 1 --num_machines 1", string.Join(' ', command.Arguments));
        Assert.Equal("PYTHONUNBUFFERED=1", Env(command));
        Assert.Equal("./out", command.OutputDir);
        Assert.Empty(command.Missing);
    }

    [Fact]
    public void Axolotl_with_eight_GPUs_from_the_modeline_is_a_multi_GPU_accelerate_launch()
    {
        using var files = new DialectTestFiles();
        var command = Command(Launch(files, "config.yml", "# lft: gpu=h100-sxm gpus_per_node=8\n" + Axolotl));
        Assert.Equal("axolotl train config.yml --launcher accelerate -- --num_processes 8 --num_machines 1 --multi_gpu", string.Join(' ', command.Arguments));
    }

    [Fact]
    public void Axolotl_with_an_accelerate_launch_file_names_it_and_takes_its_counts_from_it()
    {
        using var files = new DialectTestFiles();
        files.Write("fsdp.yaml", AccelerateLaunchTests.Fsdp);
        var command = Command(Launch(files, "config.yml", "# lft: accelerate=fsdp.yaml\n" + Axolotl));
        Assert.Equal($"axolotl train config.yml --launcher accelerate -- --config_file {Path.Combine(files.Folder, "fsdp.yaml")}", string.Join(' ', command.Arguments));
    }

    [Fact]
    public void A_GPU_count_flag_beats_the_launch_files_and_is_passed_without_multi_gpu_which_would_drop_its_plugin()
    {
        using var files = new DialectTestFiles();
        files.Write("fsdp.yaml", AccelerateLaunchTests.Fsdp);
        var command = Command(Launch(files, "config.yml", "# lft: accelerate=fsdp.yaml\n" + Axolotl,
            binding: new Core.Planning.BindingOptions { AccelerateDefaultConfig = null, Flags = new Core.Planning.HardwareFlags(GpusPerNode: 4) }));
        Assert.Equal($"axolotl train config.yml --launcher accelerate -- --config_file {Path.Combine(files.Folder, "fsdp.yaml")} --num_processes 4 --num_machines 1", string.Join(' ', command.Arguments));
    }

    [Fact]
    public void Two_nodes_name_this_nodes_rank_and_node_zero_from_the_environment()
    {
        using var files = new DialectTestFiles();
        var environment = new Dictionary<string, string> { ["NODE_RANK"] = "1", ["MASTER_ADDR"] = "10.0.0.1" };
        var command = Command(Launch(files, "config.yml", "# lft: gpu=h100-sxm gpus_per_node=8 nodes=2\n" + Axolotl, environment.GetValueOrDefault));
        Assert.Equal("axolotl train config.yml --launcher accelerate -- --num_processes 16 --num_machines 2 --multi_gpu --machine_rank 1 --main_process_ip 10.0.0.1 --main_process_port 29500", string.Join(' ', command.Arguments));
        Assert.Empty(command.Missing);
        Assert.Contains(command.Notes, n => n.Contains("NODE_RANK=0..1", StringComparison.Ordinal));
    }

    [Fact]
    public void Two_nodes_without_a_rendezvous_show_placeholders_and_say_what_is_missing()
    {
        using var files = new DialectTestFiles();
        var command = Command(Launch(files, "config.yml", "# lft: gpu=h100-sxm gpus_per_node=8 nodes=2\n" + Axolotl));
        Assert.Equal(["NODE_RANK", "MASTER_ADDR"], command.Missing);
        Assert.EndsWith("--machine_rank $NODE_RANK --main_process_ip $MASTER_ADDR --main_process_port 29500", command.ShellText());
    }

    [Fact]
    public void LLaMA_Factory_on_four_GPUs_forces_torchrun_with_the_variables_its_launcher_reads()
    {
        using var files = new DialectTestFiles();
        var command = Command(Launch(files, "config.yaml", "# lft: gpu=a100-80gb gpus_per_node=4\n" + LlamaFactoryBindingTests.Base + "finetuning_type: lora\noutput_dir: saves/lora\n"));
        Assert.Equal("llamafactory-cli train config.yaml", string.Join(' ', command.Arguments));
        Assert.Equal("FORCE_TORCHRUN=1 NNODES=1 NPROC_PER_NODE=4 RECORD_VRAM=1 PYTHONUNBUFFERED=1", Env(command));
        Assert.Equal("saves/lora", command.OutputDir);
    }

    [Fact]
    public void LLaMA_Factory_on_one_GPU_still_says_one_process_per_node_and_does_not_force_torchrun()
    {
        using var files = new DialectTestFiles();
        var command = Command(Launch(files, "config.yaml", LlamaFactoryBindingTests.Base));
        Assert.Equal("NNODES=1 NPROC_PER_NODE=1 RECORD_VRAM=1 PYTHONUNBUFFERED=1", Env(command));
    }

    [Fact]
    public void LLaMA_Factory_on_two_nodes_passes_the_rank_and_head_address_it_reads_from_the_environment()
    {
        using var files = new DialectTestFiles();
        var environment = new Dictionary<string, string> { ["NODE_RANK"] = "0", ["MASTER_ADDR"] = "node0", ["MASTER_PORT"] = "29400" };
        var command = Command(Launch(files, "config.yaml", "# lft: gpu=h100-sxm gpus_per_node=8 nodes=2\n" + LlamaFactoryBindingTests.Base, environment.GetValueOrDefault));
        Assert.Equal("FORCE_TORCHRUN=1 NNODES=2 NPROC_PER_NODE=8 NODE_RANK=0 MASTER_ADDR=node0 MASTER_PORT=29400 RECORD_VRAM=1 PYTHONUNBUFFERED=1", Env(command));
    }

    [Fact]
    public void LLaMA_Factory_estimated_with_an_accelerate_launch_file_is_run_through_accelerate_launch()
    {
        using var files = new DialectTestFiles();
        files.Write("fsdp.yaml", AccelerateLaunchTests.Fsdp);
        var command = Command(Launch(files, "config.yaml", "# lft: accelerate=fsdp.yaml\n" + LlamaFactoryBindingTests.Base));
        Assert.Equal($"accelerate launch --config_file {Path.Combine(files.Folder, "fsdp.yaml")} -m llamafactory.launcher config.yaml", string.Join(' ', command.Arguments));
        Assert.Equal("RECORD_VRAM=1 PYTHONUNBUFFERED=1", Env(command));
    }

    [Theory]
    [InlineData("", "sft")]
    [InlineData("pref_loss: sigmoid\n", "dpo")]
    public void LLaMA_Factory_v1_is_the_same_launcher_behind_USE_V1_with_the_objectives_command(string extra, string verb)
    {
        using var files = new DialectTestFiles();
        var command = Command(Launch(files, "config.yaml", "model: meta-llama/Llama-3.2-1B\nmodel_class: llm\ntrain_dataset: data/v1_sft_demo.yaml\nmicro_batch_size: 2\ncutoff_len: 1024\n" + extra));
        Assert.Equal($"llamafactory-cli {verb} config.yaml", string.Join(' ', command.Arguments));
        Assert.StartsWith("USE_V1=1 NNODES=1 NPROC_PER_NODE=1", Env(command));
    }

    private const string Trl = "model_name_or_path: meta-llama/Llama-3.1-8B\nper_device_train_batch_size: 1\ngradient_accumulation_steps: 8\nmax_length: 4096\noutput_dir: out\n";

    [Fact]
    public void TRL_passes_the_estimates_GPU_count_to_accelerate_through_its_CLI()
    {
        using var files = new DialectTestFiles();
        var command = Command(Launch(files, "config.yaml", "# lft: gpu=h100-sxm gpus_per_node=8\n" + Trl));
        Assert.Equal("trl sft --config config.yaml --num_processes 8 --num_machines 1 --multi_gpu", string.Join(' ', command.Arguments));
    }

    [Fact]
    public void TRL_with_its_own_accelerate_config_and_process_count_needs_nothing_more()
    {
        using var files = new DialectTestFiles();
        files.Write("fsdp.yaml", AccelerateLaunchTests.Fsdp);
        var command = Command(Launch(files, "config.yaml", Trl + "accelerate_config: fsdp.yaml\nnum_processes: 8\n"));
        Assert.Equal("trl sft --config config.yaml", string.Join(' ', command.Arguments));
    }

    [Fact]
    public void TRL_launched_with_a_file_the_modeline_names_gets_it_as_accelerate_config()
    {
        using var files = new DialectTestFiles();
        files.Write("zero2.yaml", AccelerateLaunchTests.Zero2);
        var command = Command(Launch(files, "config.yaml", "# lft: accelerate=zero2.yaml\n" + Trl));
        Assert.Equal($"trl sft --config config.yaml --accelerate_config {Path.Combine(files.Folder, "zero2.yaml")}", string.Join(' ', command.Arguments));
    }

    [Fact]
    public void TRL_runs_the_trainer_the_file_is_for_and_refuses_ORPO_which_has_no_command()
    {
        using var files = new DialectTestFiles();
        Assert.Equal("dpo", Command(Launch(files, "config.yaml", "# lft: recipe=dpo\n" + Trl)).Arguments[1]);
        var orpo = Launch(files, "orpo.yaml", "# lft: recipe=orpo\n" + Trl);
        Assert.Null(orpo.Command);
        Assert.Contains("no `trl orpo` command", orpo.Problem);
    }

    [Fact]
    public void A_single_device_torchtune_recipe_runs_in_process_and_is_asked_to_log_its_peak_memory()
    {
        using var files = new DialectTestFiles();
        var command = Command(Launch(files, "config.yaml", TorchtuneBindingTests.Lora));
        Assert.Equal("tune run lora_finetune_single_device --config config.yaml log_peak_memory_stats=True", string.Join(' ', command.Arguments));
        Assert.Equal(LogFormats.Torchtune, command.Logs);
    }

    [Fact]
    public void A_distributed_torchtune_recipe_always_goes_through_torchrun_and_meets_at_node_zero_across_nodes()
    {
        using var files = new DialectTestFiles();
        var distributed = TorchtuneBindingTests.Lora.Replace("tune run lora_finetune_single_device --config llama3_2/1B_lora_single_device", "tune run --nnodes 1 --nproc_per_node 4 lora_finetune_distributed --config llama3_2/1B_lora");
        var one = Command(Launch(files, "config.yaml", distributed));
        Assert.Equal("tune run --nnodes 1 --nproc_per_node 4 lora_finetune_distributed --config config.yaml log_peak_memory_stats=True", string.Join(' ', one.Arguments));
        var environment = new Dictionary<string, string> { ["MASTER_ADDR"] = "10.1.1.1" };
        var two = Command(Launch(files, "two.yaml", "# lft: gpu=h100-sxm gpus_per_node=8 nodes=2\n" + distributed, environment.GetValueOrDefault));
        Assert.Equal("tune run --nnodes 2 --nproc_per_node 8 --rdzv_backend c10d --rdzv_endpoint 10.1.1.1:29500 lora_finetune_distributed --config two.yaml log_peak_memory_stats=True", string.Join(' ', two.Arguments));
        Assert.Empty(two.Missing);
    }

    [Fact]
    public void A_torchtune_config_that_logs_its_peak_memory_already_is_left_as_it_is()
    {
        using var files = new DialectTestFiles();
        var command = Command(Launch(files, "config.yaml", TorchtuneBindingTests.Lora + "\nlog_peak_memory_stats: True\n"));
        Assert.DoesNotContain(TorchtuneCommandLine.PeakMemoryOverride, command.Arguments);
    }

    [Theory]
    [InlineData("native.lft.yaml", "model:\n  name: llama-2-7b\n", "--engine bundled")]
    [InlineData("ds.json", "{\"zero_optimization\": {\"stage\": 3}, \"train_micro_batch_size_per_gpu\": 1}", "companion")]
    public void Formats_without_a_framework_of_their_own_are_refused_with_what_to_do(string name, string text, string says)
    {
        using var files = new DialectTestFiles();
        var result = Launch(files, name, text);
        Assert.Null(result.Command);
        Assert.Contains(says, result.Problem);
    }

    [Theory]
    [InlineData("config.yaml", "config.yaml")]
    [InlineData("my config.yaml", "'my config.yaml'")]
    [InlineData("it's.yaml", "'it'\\''s.yaml'")]
    [InlineData("$MASTER_ADDR", "$MASTER_ADDR")]
    [InlineData("$(rm -rf x)", "'$(rm -rf x)'")]
    public void Words_are_quoted_as_a_POSIX_shell_reads_them_back(string word, string quoted) =>
        Assert.Equal(quoted, LaunchCommand.Quote(word));
}
