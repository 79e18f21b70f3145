using LspFineTune.Core.Diagnostics;
using LspFineTune.Core.Dialects;
using LspFineTune.Core.Planning;
using static LspFineTune.Core.Tests.Dialects.AccelerateLaunchTests;

namespace LspFineTune.Core.Tests.Dialects;

/// <summary>
/// A TRL config launched with an accelerate config: the file <c>accelerate_config:</c> names (trl@f2cd577
/// <c>trl/cli/accelerate_config.py</c>: a file first, else a preset) or, without that key, the modeline's, the
/// setting's or accelerate's default. Its GPUs and plugin reach the plan with provenance into it (through the key), the
/// forwarded <c>num_processes</c>/<c>num_machines</c> beat it, and fixes edit it.
/// </summary>
public class TrlLaunchTests
{
    private const string Trainer = "model_name_or_path: meta-llama/Llama-3.1-8B\nper_device_train_batch_size: 1\ngradient_accumulation_steps: 8\nmax_length: 4096\nattn_implementation: flash_attention_2\noutput_dir: out\n";

    [Fact]
    public void An_accelerate_config_path_is_read_as_the_launch_file_with_provenance_through_the_key()
    {
        using var files = new DialectTestFiles();
        var analysis = Analyze(files, "# lft: gpu=h100-sxm\n" + Trainer + "accelerate_config: configs/fsdp.yaml\n", Fsdp.Replace("fsdp_offload_params: false", "fsdp_offload_params: true"), "configs/fsdp.yaml");
        Assert.Equal("trl", analysis.Dialect!.Id);
        var launchFile = Path.Combine(files.Folder, "configs", "fsdp.yaml");
        var plan = analysis.Plan!;
        Assert.Equal((8, 1), (plan.Hardware.GpusPerNode, plan.Hardware.Nodes));
        var count = analysis.Provenance.Of(PlanField.GpusPerNode);
        Assert.Equal((ValueOrigin.LaunchFile, launchFile, "num_processes"), (count.Origin, count.FilePath, count.Property!.Key.Value));
        Assert.Equal((3, OffloadTarget.Cpu), (plan.DeepSpeed.ZeroStage, plan.DeepSpeed.OffloadParams));
        var stage = analysis.Provenance.Of(PlanField.ZeroStage);
        Assert.Equal((launchFile, "fsdp_reshard_after_forward"), (stage.FilePath, stage.Property!.Key.Value));
        // The config's key leads there, as `deepspeed:` leads to its JSON: a hover on it explains the sharding and the GPUs.
        var key = analysis.Binding!.Document.Tree.RootMapping!.Find("accelerate_config")!;
        Assert.Same(key, analysis.Provenance.Driver(PlanField.ZeroStage));
        Assert.Contains(PlanField.GpusPerNode, analysis.Provenance.FieldsDrivenBy(key));
        Assert.Equal(key.Value.Range, analysis.Provenance.ValueRange(PlanField.ZeroStage));
        Assert.Contains(analysis.Companions, c => c.Path == launchFile && c.DialectId == "accelerate");
        Assert.DoesNotContain(analysis.Diagnostics, d => d.Message.Contains("is not read with this file"));
    }

    [Fact]
    public void The_forwarded_num_processes_and_num_machines_beat_the_launch_files()
    {
        using var files = new DialectTestFiles();
        var analysis = Analyze(files, Trainer + "accelerate_config: fsdp.yaml\nnum_processes: 8\nnum_machines: 2\n");
        Assert.Equal((4, 2), (analysis.Plan!.Hardware.GpusPerNode, analysis.Plan.Hardware.Nodes));
        Assert.Equal((ValueOrigin.Document, "num_processes"), (analysis.Provenance.Of(PlanField.GpusPerNode).Origin, analysis.Provenance.Of(PlanField.GpusPerNode).Property!.Key.Value));
        // The sharding is still the file's.
        Assert.Equal(ValueOrigin.LaunchFile, analysis.Provenance.Of(PlanField.ZeroStage).Origin);
        // num_machines alone splits the file's processes over the machines.
        var machines = Analyze(files, Trainer + "accelerate_config: fsdp.yaml\nnum_machines: 2\n").Plan!.Hardware;
        Assert.Equal((4, 2), (machines.GpusPerNode, machines.Nodes));
    }

    [Fact]
    public void Without_accelerate_config_the_modeline_names_the_launch_file_and_the_configs_own_deepspeed_wins()
    {
        using var files = new DialectTestFiles();
        var analysis = Analyze(files, "# lft: accelerate=zero.yaml\n" + Trainer, Zero2, "zero.yaml");
        Assert.Equal((2, 8), (analysis.Plan!.DeepSpeed.ZeroStage, analysis.Plan.Hardware.TotalGpus));
        Assert.Equal("zero_stage", analysis.Provenance.Of(PlanField.ZeroStage).Property!.Key.Value);
        files.Write("ds.json", """{ "zero_optimization": { "stage": 1 }, "train_micro_batch_size_per_gpu": "auto", "gradient_accumulation_steps": "auto" }""");
        var own = Analyze(files, "# lft: accelerate=zero.yaml\n" + Trainer + "deepspeed: ds.json\n", Zero2, "zero.yaml");
        Assert.Equal((1, ValueOrigin.Companion), (own.Plan!.DeepSpeed.ZeroStage, own.Provenance.Of(PlanField.ZeroStage).Origin));
    }

    [Fact]
    public void A_named_file_that_is_no_accelerate_config_is_an_error_on_the_keys_value()
    {
        using var files = new DialectTestFiles();
        var analysis = Analyze(files, Trainer + "accelerate_config: train.yaml\n", "num_processes: 4\n", "train.yaml");
        var error = Assert.Single(analysis.Diagnostics, d => d.Code == DiagnosticCodes.CompanionFileUnreadable);
        Assert.Equal((6, 19), (error.Range.Start.Line, error.Range.Start.Character));
        Assert.Contains("named by `accelerate_config:`", error.Message);
    }

    [Fact]
    public void The_ZeRO_3_fix_of_a_run_sharded_by_its_accelerate_config_edits_that_file_and_reaches_its_estimate()
    {
        using var files = new DialectTestFiles();
        var analysis = Analyze(files, "# lft: gpu=a100-40gb\n" + Trainer + "accelerate_config: zero.yaml\n", Zero2, "zero.yaml");
        var (fix, text, after) = ApplyLaunchFileFix(files, analysis, "Switch to ZeRO-3", "zero.yaml");
        Assert.Contains("  zero_stage: 3\n", text);
        Assert.Equal(3, after.Plan!.DeepSpeed.ZeroStage);
        Assert.Equal(fix.Result!.Memory.PeakBytes, after.Estimate!.Memory.PeakBytes);
    }

    [Fact]
    public void A_GPU_count_from_the_accelerate_config_is_written_as_num_processes_and_a_presets_in_the_modeline()
    {
        using var files = new DialectTestFiles();
        var analysis = Analyze(files, Trainer + "accelerate_config: fsdp.yaml\n");
        var edits = analysis.Dialect!.WriteHardware(analysis.Binding!, "h100-sxm", 4);
        Assert.Equal("4", Assert.Single(Assert.Single(edits, e => e.FilePath == Path.Combine(files.Folder, "fsdp.yaml")).Edits).NewText);
        var preset = Analyze(files, Trainer + "accelerate_config: zero3\n", accelerate: null);
        Assert.All(preset.Dialect!.WriteHardware(preset.Binding!, "h100-sxm", 4), e => Assert.Null(e.FilePath));
    }
}
