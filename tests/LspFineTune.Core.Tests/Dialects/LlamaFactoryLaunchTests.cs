using LspFineTune.Core.Advice;
using LspFineTune.Core.Diagnostics;
using LspFineTune.Core.Dialects;
using LspFineTune.Core.Estimation;
using LspFineTune.Core.Planning;
using LspFineTune.Core.Tests.Editing;
using static LspFineTune.Core.Tests.Dialects.AccelerateLaunchTests;

namespace LspFineTune.Core.Tests.Dialects;

/// <summary>
/// A classic LLaMA-Factory config launched with an accelerate config (<c>accelerate launch --config_file
/// examples/accelerate/fsdp_config.yaml src/train.py cfg.yaml</c>, LLaMA-Factory@ff6d4d1): its GPUs and plugin reach
/// the plan with provenance into the file, the config's own <c>deepspeed</c> and bf16/fp16 win, and fixes edit the file.
/// </summary>
public class LlamaFactoryLaunchTests
{
    private const string Trainer = "model_name_or_path: meta-llama/Llama-3.1-8B\nstage: sft\ndo_train: true\nfinetuning_type: full\ndataset: my_instructions\ntemplate: llama3\ncutoff_len: 4096\nper_device_train_batch_size: 1\ngradient_accumulation_steps: 8\nbf16: true\nflash_attn: fa2\noutput_dir: saves/llama3-8b/full/sft\n";

    [Fact]
    public void The_launch_files_processes_are_the_GPUs_and_its_FSDP_shards_the_run_with_provenance_into_it()
    {
        using var files = new DialectTestFiles();
        var analysis = Analyze(files, "# lft: gpu=h100-sxm accelerate=fsdp.yaml\n" + Trainer, Fsdp.Replace("fsdp_offload_params: false", "fsdp_offload_params: true"));
        Assert.Equal("llamafactory", analysis.Dialect!.Id);
        var plan = analysis.Plan!;
        var launchFile = Path.Combine(files.Folder, "fsdp.yaml");
        Assert.Equal((8, 1), (plan.Hardware.GpusPerNode, plan.Hardware.Nodes));
        var count = analysis.Provenance.Of(PlanField.GpusPerNode);
        Assert.Equal((ValueOrigin.LaunchFile, launchFile, "num_processes"), (count.Origin, count.FilePath, count.Property!.Key.Value));
        // The launch file states the count: no "llamafactory-cli starts one process per visible GPU" guess.
        Assert.Equal("from accelerate config fsdp.yaml", HardwareResolver.Describe(count));
        Assert.Equal((3, OffloadTarget.Cpu, OffloadTarget.Cpu), (plan.DeepSpeed.ZeroStage, plan.DeepSpeed.OffloadOptimizer, plan.DeepSpeed.OffloadParams));
        var stage = analysis.Provenance.Of(PlanField.ZeroStage);
        Assert.Equal((ValueOrigin.LaunchFile, launchFile, "fsdp_reshard_after_forward"), (stage.Origin, stage.FilePath, stage.Property!.Key.Value));
        Assert.Equal("fsdp_offload_params", analysis.Provenance.Of(PlanField.OffloadParams).Property!.Key.Value);
        Assert.Contains(analysis.Companions, c => c.Path == launchFile && c.DialectId == "accelerate");
        Assert.Contains(analysis.Diagnostics, d => d.Code == DiagnosticCodes.NotModelled && d.FilePath == launchFile && d.Message.Contains("ZeRO-3"));
    }

    [Fact]
    public void LLaMA_Factorys_own_deepspeed_wins_over_the_launch_files_plugin_and_the_GPUs_stay_the_files()
    {
        using var files = new DialectTestFiles();
        files.Write("ds.json", """{ "zero_optimization": { "stage": 1 }, "train_micro_batch_size_per_gpu": "auto", "gradient_accumulation_steps": "auto" }""");
        var analysis = Analyze(files, "# lft: accelerate=fsdp.yaml\n" + Trainer + "deepspeed: ds.json\n");
        Assert.Equal(1, analysis.Plan!.DeepSpeed.ZeroStage);
        Assert.Equal(ValueOrigin.Companion, analysis.Provenance.Of(PlanField.ZeroStage).Origin);
        Assert.Equal(8, analysis.Plan.Hardware.TotalGpus);
        // ZeRO changes go to the config's own JSON, not to the launch file.
        Assert.DoesNotContain(analysis.Write([new PlanChange(PlanField.ZeroStage, 3)]), e => e.FilePath == Path.Combine(files.Folder, "fsdp.yaml"));
    }

    [Fact]
    public void The_configs_bf16_wins_and_the_launch_files_mixed_precision_counts_only_for_a_run_left_in_fp32()
    {
        using var files = new DialectTestFiles();
        var fp16Launch = Fsdp.Replace("mixed_precision: bf16", "mixed_precision: fp16");
        // parser.py 640-643: bf16 is the compute dtype, and the Trainer sets ACCELERATE_MIXED_PRECISION from it.
        Assert.Equal(WeightDtype.Bf16, Analyze(files, "# lft: accelerate=fsdp.yaml\n" + Trainer, fp16Launch).Plan!.Model.Dtype);
        // Full fine-tuning without bf16/fp16 trains fp32 weights: the launch file's mixed precision is the autocast.
        var fp32Run = Analyze(files, "# lft: accelerate=fsdp.yaml\n" + Trainer.Replace("bf16: true\n", ""), fp16Launch);
        Assert.Equal(WeightDtype.Fp16, fp32Run.Plan!.Model.Dtype);
        Assert.Equal(("mixed_precision", Path.Combine(files.Folder, "fsdp.yaml")), (fp32Run.Provenance.Of(PlanField.Dtype).Property!.Key.Value, fp32Run.Provenance.Of(PlanField.Dtype).FilePath));
        // LoRA loads the weights in the GPU's best 16-bit type (patcher.py 375): `mixed_precision: "no"` keeps them there.
        var lora = Analyze(files, "# lft: gpu=h100-sxm accelerate=fsdp.yaml\n" + Trainer.Replace("finetuning_type: full", "finetuning_type: lora").Replace("bf16: true\n", ""), Fsdp.Replace("mixed_precision: bf16", "mixed_precision: 'no'"));
        Assert.Equal(WeightDtype.Bf16, lora.Plan!.Model.Dtype);
    }

    [Fact]
    public void The_ZeRO_3_fix_of_a_run_sharded_by_its_launch_file_edits_that_file_and_reaches_its_estimate()
    {
        using var files = new DialectTestFiles();
        var analysis = Analyze(files, "# lft: gpu=a100-40gb accelerate=zero.yaml\n" + Trainer, Zero2, "zero.yaml");
        Assert.Equal((2, "zero_stage"), (analysis.Plan!.DeepSpeed.ZeroStage, analysis.Provenance.Of(PlanField.ZeroStage).Property!.Key.Value));
        var (fix, text, after) = ApplyLaunchFileFix(files, analysis, "Switch to ZeRO-3", "zero.yaml");
        Assert.Contains("  zero_stage: 3\n", text);
        Assert.Equal(3, after.Plan!.DeepSpeed.ZeroStage);
        Assert.Equal(fix.Result!.Memory.PeakBytes, after.Estimate!.Memory.PeakBytes);
        Assert.DoesNotContain("deepspeed", File.ReadAllText(Path.Combine(files.Folder, "config.yml")));
    }

    [Fact]
    public void FSDP_offload_is_written_in_the_launch_file_and_re_analysis_reaches_the_changed_plans_estimate()
    {
        using var files = new DialectTestFiles();
        var analysis = Analyze(files, "# lft: gpu=a100-40gb accelerate=fsdp.yaml\n" + Trainer);
        Assert.Contains(PlanField.OffloadOptimizer, analysis.Dialect!.Unwritable(analysis.Binding!));
        // fsdp_offload_params moves the parameters and the optimizer states: the change asks for both.
        PlanChange[] changes = [new(PlanField.OffloadParams, OffloadTarget.Cpu), new(PlanField.OffloadOptimizer, OffloadTarget.Cpu)];
        var edit = Assert.Single(analysis.Write(changes));
        Assert.Equal(Path.Combine(files.Folder, "fsdp.yaml"), edit.FilePath);
        var text = ConfigEditorTests.Apply(File.ReadAllText(edit.FilePath!), edit.Edits);
        Assert.Contains("  fsdp_offload_params: true\n", text);
        File.WriteAllText(edit.FilePath!, text);
        var after = Reanalyze(files);
        Assert.Equal((OffloadTarget.Cpu, OffloadTarget.Cpu), (after.Plan!.DeepSpeed.OffloadParams, after.Plan.DeepSpeed.OffloadOptimizer));
        var promised = Estimate.For(changes.Aggregate(analysis.Plan!, PlanChanges.Apply));
        Assert.Equal(promised.Memory.PeakBytes, after.Estimate!.Memory.PeakBytes);
    }

    [Fact]
    public void A_GPU_count_from_the_launch_file_is_written_as_num_processes()
    {
        using var files = new DialectTestFiles();
        var analysis = Analyze(files, "# lft: accelerate=fsdp.yaml\n" + Trainer);
        var edits = analysis.Dialect!.WriteHardware(analysis.Binding!, "h100-sxm", 4);
        Assert.Equal("4", Assert.Single(Assert.Single(edits, e => e.FilePath == Path.Combine(files.Folder, "fsdp.yaml")).Edits).NewText);
        Assert.DoesNotContain(Assert.Single(edits, e => e.FilePath is null).Edits, e => e.NewText.Contains("gpus_per_node"));
    }
}
