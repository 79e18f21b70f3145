using LspFineTune.Core.Diagnostics;
using LspFineTune.Core.Dialects;
using LspFineTune.Core.Planning;
using LspFineTune.Core.Tests.Editing;

namespace LspFineTune.Core.Tests.Dialects;

/// <summary>
/// An axolotl config launched with an accelerate config (<c>accelerate launch --config_file fsdp.yaml</c>): the file is
/// found through the modeline, the setting/flag or accelerate's default; its GPUs, sharding and checkpointing reach
/// the plan with provenance into it; its own mistakes are reported in it; fixes edit it. The launch files and helpers
/// here serve the other trainers' launch tests too (LLaMA-Factory, TRL).
/// </summary>
public class AccelerateLaunchTests
{
    private const string Trainer = "base_model: meta-llama/Llama-3.1-8B\nsequence_len: 4096\nmicro_batch_size: 1\ngradient_accumulation_steps: 8\nbf16: true\ngradient_checkpointing: true\nattn_implementation: flash_attention_2\n";

    internal const string Fsdp = """
        compute_environment: LOCAL_MACHINE
        distributed_type: FSDP
        fsdp_config:
          fsdp_version: 2
          fsdp_offload_params: false
          fsdp_reshard_after_forward: true
          fsdp_activation_checkpointing: true
        mixed_precision: bf16
        num_machines: 1
        num_processes: 8

        """;

    internal const string Zero2 = """
        compute_environment: LOCAL_MACHINE
        distributed_type: DEEPSPEED
        deepspeed_config:
          offload_optimizer_device: none
          offload_param_device: none
          zero_stage: 2
        mixed_precision: bf16
        num_machines: 1
        num_processes: 8

        """;

    /// <summary>Writes the launch file (unless null) and the trainer config <c>config.yml</c> beside it, and analyses the config.</summary>
    internal static ConfigAnalysis Analyze(DialectTestFiles files, string trainer, string? accelerate = Fsdp, string name = "fsdp.yaml", BindingOptions? options = null)
    {
        if (accelerate is not null)
            files.Write(name, accelerate);
        files.Write("config.yml", trainer);
        return Reanalyze(files, options);
    }

    /// <summary>Analyses <c>config.yml</c> again, as it and its launch file now are on disk (by default without
    /// accelerate's default config).</summary>
    internal static ConfigAnalysis Reanalyze(DialectTestFiles files, BindingOptions? options = null) =>
        files.Analyze("config.yml", new AnalysisOptions { Binding = options ?? new BindingOptions { AccelerateDefaultConfig = null } });

    /// <summary>
    /// Applies the out-of-memory finding's fix whose title starts with <paramref name="title"/>: its one edit must be in
    /// the launch file <paramref name="launchName"/>, which is rewritten; returns the fix, the launch file's new text and
    /// the analysis of the config after it (whose estimate the test compares with the fix's promise).
    /// </summary>
    internal static (CodeFix Fix, string LaunchText, ConfigAnalysis After) ApplyLaunchFileFix(DialectTestFiles files, ConfigAnalysis analysis, string title, string launchName)
    {
        var oom = Assert.Single(analysis.Diagnostics, d => d.Code == DiagnosticCodes.OutOfMemory);
        var fix = Assert.Single(oom.Fixes, f => f.Title.StartsWith(title, StringComparison.Ordinal));
        var edit = Assert.Single(fix.Edits);
        Assert.Equal(Path.Combine(files.Folder, launchName), edit.FilePath);
        var text = ConfigEditorTests.Apply(File.ReadAllText(edit.FilePath!), edit.Edits);
        File.WriteAllText(edit.FilePath!, text);
        return (fix, text, Reanalyze(files));
    }

    [Fact]
    public void The_modeline_names_the_launch_file_and_its_processes_are_the_GPUs_with_their_source()
    {
        using var files = new DialectTestFiles();
        var analysis = Analyze(files, "# lft: gpu=h100-sxm accelerate=fsdp.yaml\n" + Trainer, Fsdp.Replace("num_machines: 1", "num_machines: 2").Replace("num_processes: 8", "num_processes: 16"));
        var hardware = analysis.Plan!.Hardware;
        Assert.Equal((8, 2), (hardware.GpusPerNode, hardware.Nodes));
        var count = analysis.Provenance.Of(PlanField.GpusPerNode);
        Assert.Equal((ValueOrigin.LaunchFile, Path.Combine(files.Folder, "fsdp.yaml"), "num_processes"), (count.Origin, count.FilePath, count.Property!.Key.Value));
        Assert.Equal("num_machines", analysis.Provenance.Of(PlanField.Nodes).Property!.Key.Value);
        // Not a key of the trainer config: its range is the modeline word that names the file.
        Assert.Null(analysis.Provenance.Written(PlanField.GpusPerNode));
        Assert.Equal(0, analysis.Provenance.ValueRange(PlanField.GpusPerNode).Start.Line);
        Assert.Equal("from accelerate config fsdp.yaml", HardwareResolver.Describe(count));
        Assert.Contains(analysis.Companions, c => c.Path == Path.Combine(files.Folder, "fsdp.yaml") && c.DialectId == "accelerate");
    }

    [Fact]
    public void Without_a_GPU_type_the_source_says_the_count_is_from_the_file_and_the_type_assumed()
    {
        using var files = new DialectTestFiles();
        var analysis = Analyze(files, "# lft: accelerate=fsdp.yaml\n" + Trainer);
        Assert.Equal(8, analysis.Plan!.Hardware.TotalGpus);
        Assert.StartsWith("from accelerate config fsdp.yaml; the GPU type assumed", HardwareResolver.Describe(analysis.Provenance));
    }

    [Fact]
    public void FSDP_in_the_launch_file_shards_the_run_and_turns_checkpointing_on()
    {
        using var files = new DialectTestFiles();
        var analysis = Analyze(files, "# lft: gpu=h100-sxm accelerate=fsdp.yaml\n" + Trainer.Replace("gradient_checkpointing: true\n", "") + "", Fsdp.Replace("fsdp_offload_params: false", "fsdp_offload_params: true"));
        var plan = analysis.Plan!;
        Assert.Equal((3, OffloadTarget.Cpu, OffloadTarget.Cpu), (plan.DeepSpeed.ZeroStage, plan.DeepSpeed.OffloadOptimizer, plan.DeepSpeed.OffloadParams));
        Assert.True(plan.Training.GradientCheckpointing);
        Assert.Equal("fsdp_activation_checkpointing", analysis.Provenance.Of(PlanField.GradientCheckpointing).Property!.Key.Value);
        Assert.Equal("fsdp_reshard_after_forward", analysis.Provenance.Of(PlanField.ZeroStage).Property!.Key.Value);
        // What the estimate does not model is said in the launch file.
        Assert.Contains(analysis.Diagnostics, d => d.Code == DiagnosticCodes.NotModelled && d.FilePath == Path.Combine(files.Folder, "fsdp.yaml") && d.Message.Contains("ZeRO-3"));
    }

    [Fact]
    public void FSDP2_without_reshard_after_forward_is_ZeRO_2_and_FSDP1_follows_its_strategy()
    {
        using var files = new DialectTestFiles();
        Assert.Equal(2, Analyze(files, "# lft: accelerate=fsdp.yaml\n" + Trainer, Fsdp.Replace("fsdp_reshard_after_forward: true", "fsdp_reshard_after_forward: false")).Plan!.DeepSpeed.ZeroStage);
        var v1 = Fsdp.Replace("fsdp_version: 2", "fsdp_version: 1").Replace("fsdp_reshard_after_forward: true", "fsdp_sharding_strategy: SHARD_GRAD_OP");
        Assert.Equal(2, Analyze(files, "# lft: accelerate=fsdp.yaml\n" + Trainer, v1).Plan!.DeepSpeed.ZeroStage);
    }

    [Fact]
    public void The_trainer_configs_own_sharding_wins_over_the_launch_files()
    {
        using var files = new DialectTestFiles();
        files.Write("ds.json", """{ "zero_optimization": { "stage": 1 }, "train_micro_batch_size_per_gpu": "auto", "gradient_accumulation_steps": "auto" }""");
        var analysis = Analyze(files, "# lft: accelerate=fsdp.yaml\n" + Trainer + "deepspeed: ds.json\n");
        Assert.Equal(1, analysis.Plan!.DeepSpeed.ZeroStage);
        Assert.Equal(ValueOrigin.Companion, analysis.Provenance.Of(PlanField.ZeroStage).Origin);
        // The GPU count still comes from the launch file.
        Assert.Equal(8, analysis.Plan.Hardware.TotalGpus);
    }

    [Fact]
    public void The_DeepSpeed_plugin_inline_or_its_JSON_file_gives_the_ZeRO_stage()
    {
        using var files = new DialectTestFiles();
        var inline = Analyze(files, "# lft: accelerate=zero.yaml\n" + Trainer, Zero2.Replace("offload_optimizer_device: none", "offload_optimizer_device: cpu"), "zero.yaml");
        Assert.Equal((2, OffloadTarget.Cpu), (inline.Plan!.DeepSpeed.ZeroStage, inline.Plan.DeepSpeed.OffloadOptimizer));
        Assert.Equal("zero_stage", inline.Provenance.Of(PlanField.ZeroStage).Property!.Key.Value);

        files.Write("ds3.json", """{ "zero_optimization": { "stage": 3 }, "bf16": { "enabled": "auto" } }""");
        var withFile = Analyze(files, "# lft: accelerate=zero.yaml\n" + Trainer, "distributed_type: DEEPSPEED\ndeepspeed_config:\n  deepspeed_config_file: ds3.json\n  zero3_init_flag: true\nnum_processes: 4\n", "zero.yaml");
        Assert.Equal(3, withFile.Plan!.DeepSpeed.ZeroStage);
        var source = withFile.Provenance.Of(PlanField.ZeroStage);
        Assert.Equal(Path.Combine(files.Folder, "ds3.json"), source.FilePath);
        Assert.Null(source.Via);
        Assert.Contains(withFile.Companions, c => c.Path == Path.Combine(files.Folder, "ds3.json"));
    }

    [Fact]
    public void Inline_DeepSpeed_keys_beside_a_deepspeed_config_file_are_refused_in_the_launch_file()
    {
        using var files = new DialectTestFiles();
        files.Write("ds3.json", """{ "zero_optimization": { "stage": 3 } }""");
        var analysis = Analyze(files, "# lft: accelerate=zero.yaml\n" + Trainer, "distributed_type: DEEPSPEED\ndeepspeed_config:\n  deepspeed_config_file: ds3.json\n  zero_stage: 3\nmixed_precision: bf16\nnum_processes: 4\n", "zero.yaml");
        var refused = analysis.Diagnostics.Where(d => d.Code == DiagnosticCodes.FrameworkRefuses && d.FilePath == Path.Combine(files.Folder, "zero.yaml")).ToList();
        Assert.Equal([3, 4], refused.Select(d => d.Range.Start.Line).Order());
        // The trainer config says its launch file would stop, on the modeline word.
        var summary = Assert.Single(analysis.Diagnostics, d => d.Code == DiagnosticCodes.CompanionFileUnreadable && d.FilePath is null);
        Assert.Equal((0, DiagnosticSeverity.Error), (summary.Range.Start.Line, summary.Severity));
        Assert.Contains("2 errors", summary.Message);
    }

    [Fact]
    public void A_named_file_that_is_missing_is_an_error_on_the_modeline_word()
    {
        using var files = new DialectTestFiles();
        var analysis = Analyze(files, "# lft: gpu=h100-sxm accelerate=configs/nope.yaml\n" + Trainer, accelerate: null);
        var error = Assert.Single(analysis.Diagnostics, d => d.Code == DiagnosticCodes.CompanionFileUnreadable);
        Assert.Equal((0, 20), (error.Range.Start.Line, error.Range.Start.Character));
        Assert.Contains("Cannot find the accelerate config `configs/nope.yaml`", error.Message);
        Assert.Equal(1, analysis.Plan!.Hardware.TotalGpus);
    }

    [Fact]
    public void The_setting_names_the_file_when_the_modeline_does_not_and_the_modeline_wins()
    {
        using var files = new DialectTestFiles();
        files.Write("zero.yaml", Zero2.Replace("num_processes: 8", "num_processes: 2"));
        var options = new BindingOptions { AccelerateConfigPath = "zero.yaml", AccelerateDefaultConfig = null, DefaultsOrigin = ValueOrigin.Settings };
        Assert.Equal(2, Analyze(files, Trainer, options: options).Plan!.Hardware.TotalGpus);
        Assert.Equal(8, Analyze(files, "# lft: accelerate=fsdp.yaml\n" + Trainer, options: options).Plan!.Hardware.TotalGpus);
        var missing = Analyze(files, Trainer, accelerate: null, options: options with { AccelerateConfigPath = "gone.yaml" });
        Assert.Contains("named by the setting lft.accelerateConfig", Assert.Single(missing.Diagnostics, d => d.Code == DiagnosticCodes.CompanionFileUnreadable).Message);
    }

    [Fact]
    public void Accelerates_default_config_is_used_when_it_exists_and_silently_not_when_it_does_not()
    {
        using var files = new DialectTestFiles();
        var fallback = files.Write("hf/accelerate/default_config.yaml", Zero2);
        Assert.Equal(8, Analyze(files, Trainer, accelerate: null, options: new BindingOptions { AccelerateDefaultConfig = fallback }).Plan!.Hardware.TotalGpus);
        var none = Analyze(files, Trainer, accelerate: null, options: new BindingOptions { AccelerateDefaultConfig = Path.Combine(files.Folder, "missing", "default_config.yaml") });
        Assert.Equal(1, none.Plan!.Hardware.TotalGpus);
        Assert.DoesNotContain(none.Diagnostics, d => d.Code == DiagnosticCodes.CompanionFileUnreadable);
    }

    [Fact]
    public void Flags_and_the_modeline_count_stay_stronger_than_the_launch_file()
    {
        using var files = new DialectTestFiles();
        Assert.Equal(2, Analyze(files, "# lft: gpus_per_node=2 accelerate=fsdp.yaml\n" + Trainer).Plan!.Hardware.GpusPerNode);
        var flagged = Analyze(files, "# lft: accelerate=fsdp.yaml\n" + Trainer, options: new BindingOptions { AccelerateDefaultConfig = null, Flags = new HardwareFlags(GpusPerNode: 4) });
        Assert.Equal(4, flagged.Plan!.Hardware.GpusPerNode);
    }

    [Fact]
    public void The_ZeRO_3_fix_of_a_run_sharded_by_its_launch_file_edits_that_file_and_reaches_its_estimate()
    {
        using var files = new DialectTestFiles();
        var analysis = Analyze(files, "# lft: gpu=a100-40gb accelerate=zero.yaml\n" + Trainer, Zero2, "zero.yaml");
        var (fix, text, after) = ApplyLaunchFileFix(files, analysis, "Switch to ZeRO-3", "zero.yaml");
        Assert.Contains("  zero_stage: 3\n", text);
        Assert.Equal(3, after.Plan!.DeepSpeed.ZeroStage);
        Assert.Equal(fix.Result!.Memory.PeakBytes, after.Estimate!.Memory.PeakBytes);
    }

    [Fact]
    public void FSDP_offload_and_checkpointing_are_written_in_the_launch_file_in_accelerates_words()
    {
        using var files = new DialectTestFiles();
        var analysis = Analyze(files, "# lft: gpu=a100-40gb accelerate=fsdp.yaml\n" + Trainer.Replace("gradient_checkpointing: true\n", ""), Fsdp.Replace("  fsdp_activation_checkpointing: true\n", ""));
        Assert.Contains(PlanField.OffloadOptimizer, analysis.Dialect!.Unwritable(analysis.Binding!));
        var edits = analysis.Write([new PlanChange(PlanField.OffloadParams, OffloadTarget.Cpu), new PlanChange(PlanField.GradientCheckpointing, true)]);
        var edit = Assert.Single(edits);
        Assert.Equal(Path.Combine(files.Folder, "fsdp.yaml"), edit.FilePath);
        var text = ConfigEditorTests.Apply(File.ReadAllText(edit.FilePath!), edit.Edits);
        Assert.Contains("  fsdp_offload_params: true\n", text);
        Assert.Contains("  fsdp_activation_checkpointing: true\n", text);
        File.WriteAllText(edit.FilePath!, text);
        var after = Reanalyze(files);
        Assert.True(after.Plan!.Training.GradientCheckpointing);
        Assert.Equal(OffloadTarget.Cpu, after.Plan.DeepSpeed.OffloadParams);
        Assert.DoesNotContain("gradient_checkpointing", File.ReadAllText(Path.Combine(files.Folder, "config.yml")));
    }

    [Fact]
    public void A_GPU_count_from_the_launch_file_is_written_as_num_processes()
    {
        using var files = new DialectTestFiles();
        var analysis = Analyze(files, "# lft: accelerate=fsdp.yaml\n" + Trainer);
        var edits = analysis.Dialect!.WriteHardware(analysis.Binding!, "h100-sxm", 4);
        var launch = Assert.Single(edits, e => e.FilePath == Path.Combine(files.Folder, "fsdp.yaml"));
        Assert.Equal("4", Assert.Single(launch.Edits).NewText);
        var modeline = Assert.Single(edits, e => e.FilePath is null);
        Assert.DoesNotContain(modeline.Edits, e => e.NewText.Contains("gpus_per_node"));
    }
}
