using LspFineTune.Core.Advice;
using LspFineTune.Core.Diagnostics;
using LspFineTune.Core.Dialects;
using LspFineTune.Core.Estimation;
using LspFineTune.Core.Planning;
using LspFineTune.Core.Tests.Editing;

namespace LspFineTune.Core.Tests.Dialects;

/// <summary>Fixes and plan changes written in TRL's own keys: applying the edits and analysing again reaches the
/// estimate the fix promised.</summary>
public class TrlWriterTests
{
    // The plain loss (not SFT's default chunked_nll), so the run is out of memory on one A100 80GB.
    private const string Full = "model_name_or_path: meta-llama/Meta-Llama-3-8B-Instruct\ndtype: bfloat16\nper_device_train_batch_size: 8\nmax_length: 4096\nloss_type: nll\noutput_dir: out\n";

    /// <summary>Applies a fix's edits on disk (the document, companion files, files it creates).</summary>
    private static void Apply(DialectTestFiles files, string name, IReadOnlyList<FileEdit> edits)
    {
        foreach (var edit in edits)
        {
            var path = edit.FilePath ?? Path.Combine(files.Folder, name);
            File.WriteAllText(path, edit.CreatesFile ? edit.Edits[0].NewText : ConfigEditorTests.Apply(File.ReadAllText(path), edit.Edits));
        }
    }

    private static Estimate Reached(ConfigAnalysis analysis, params PlanChange[] changes) =>
        Estimate.For(changes.Aggregate(analysis.Plan!, PlanChanges.Apply));

    [Fact]
    public void Every_fix_of_an_out_of_memory_reaches_the_estimate_it_promises()
    {
        string[] modelines = ["# lft: gpu=a100-80gb", "# lft: gpu=a100-80gb gpus_per_node=4"];
        var applied = 0;
        foreach (var modeline in modelines)
        {
            for (var index = 0; ; index++)
            {
                // Each fix in a fresh folder: the edits name files by their absolute paths.
                using var files = new DialectTestFiles();
                files.Write("config.yaml", modeline + "\n" + Full);
                var oom = Assert.Single(files.Analyze("config.yaml").Diagnostics, d => d.Code == DiagnosticCodes.OutOfMemory);
                var fixes = oom.Fixes.Where(f => f.Result is not null).ToList();
                Assert.NotEmpty(fixes);
                if (index >= fixes.Count)
                    break;
                var fix = fixes[index];
                Apply(files, "config.yaml", fix.Edits);
                var after = files.Analyze("config.yaml");
                Assert.True(after.Estimate is not null, $"{fix.Title}: no estimate after the fix");
                Assert.True(fix.Result!.Memory.PeakBytes == after.Estimate!.Memory.PeakBytes, $"{fix.Title}: promised {fix.Result.Memory.PeakBytes}, reached {after.Estimate.Memory.PeakBytes}\n{File.ReadAllText(Path.Combine(files.Folder, "config.yaml"))}");
                applied++;
            }
        }
        Assert.True(applied >= 2);
    }

    [Fact]
    public void With_a_TRL_preset_a_ZeRO_change_switches_the_preset()
    {
        using var files = new DialectTestFiles();
        files.Write("config.yaml", Full + "accelerate_config: zero2\n");
        var analysis = files.Analyze("config.yaml");
        var change = new PlanChange(PlanField.ZeroStage, 3);
        var edit = Assert.Single(analysis.Write([change]));
        Assert.Equal("zero3", Assert.Single(edit.Edits).NewText);
        Apply(files, "config.yaml", [edit]);
        var after = files.Analyze("config.yaml");
        Assert.Equal(3, after.Plan!.DeepSpeed.ZeroStage);
        Assert.Equal(Reached(analysis, change).Memory.PeakBytes, after.Estimate!.Memory.PeakBytes);
        // The TRL presets offload nothing, so offload is not offered beside one.
        Assert.Contains(PlanField.OffloadOptimizer, analysis.Dialect!.Unwritable(analysis.Binding!));
    }

    [Fact]
    public void Without_sharding_a_ZeRO_change_creates_a_DeepSpeed_JSON_and_names_it()
    {
        using var files = new DialectTestFiles();
        files.Write("config.yaml", "# lft: gpus_per_node=8\n" + Full);
        var analysis = files.Analyze("config.yaml");
        var changes = new[] { new PlanChange(PlanField.ZeroStage, 3), new PlanChange(PlanField.OffloadOptimizer, OffloadTarget.Cpu) };
        var edits = analysis.Write(changes);
        Assert.Contains(edits, e => e.CreatesFile && e.FilePath!.EndsWith("ds_zero3_offload_optimizer.json", StringComparison.Ordinal));
        Apply(files, "config.yaml", edits);
        var after = files.Analyze("config.yaml");
        Assert.Equal((3, OffloadTarget.Cpu), (after.Plan!.DeepSpeed.ZeroStage, after.Plan.DeepSpeed.OffloadOptimizer));
        Assert.Equal(Reached(analysis, changes).Memory.PeakBytes, after.Estimate!.Memory.PeakBytes);
    }

    [Fact]
    public void QLoRA_is_written_as_use_peft_and_load_in_4bit()
    {
        using var files = new DialectTestFiles();
        files.Write("config.yaml", Full);
        var analysis = files.Analyze("config.yaml");
        var changes = new[] { new PlanChange(PlanField.Method, FineTuneMethod.Lora), new PlanChange(PlanField.Quantization, Quantization.Nf4) };
        Apply(files, "config.yaml", analysis.Write(changes));
        var text = File.ReadAllText(Path.Combine(files.Folder, "config.yaml"));
        Assert.Contains("use_peft: true", text);
        Assert.Contains("load_in_4bit: true", text);
        Assert.Contains("lora_r: 16", text);
        var after = files.Analyze("config.yaml");
        Assert.Equal(Reached(analysis, changes).Memory.PeakBytes, after.Estimate!.Memory.PeakBytes);
    }

    [Theory]
    [InlineData(PlanField.Optimizer, OptimizerType.AdamW8bit, "optim: adamw_bnb_8bit")]
    [InlineData(PlanField.Attention, AttentionKind.Flash, "attn_implementation: flash_attention_2")]
    [InlineData(PlanField.GradientCheckpointing, false, "gradient_checkpointing: false")]
    [InlineData(PlanField.MicroBatchSize, 2, "per_device_train_batch_size: 2")]
    [InlineData(PlanField.GradientAccumulationSteps, 4, "gradient_accumulation_steps: 4")]
    public void A_change_is_written_in_TRLs_key(PlanField field, object value, string written)
    {
        using var files = new DialectTestFiles();
        files.Write("config.yaml", Full);
        var analysis = files.Analyze("config.yaml");
        Apply(files, "config.yaml", analysis.Write([new PlanChange(field, value)]));
        Assert.Contains(written, File.ReadAllText(Path.Combine(files.Folder, "config.yaml")));
        Assert.Equal(Reached(analysis, new PlanChange(field, value)).Memory.PeakBytes, files.Analyze("config.yaml").Estimate!.Memory.PeakBytes);
    }

    [Fact]
    public void FSDP_sharding_is_not_rewritten_as_ZeRO()
    {
        using var files = new DialectTestFiles();
        files.Write("config.yaml", Full + "accelerate_config: fsdp2\n");
        var analysis = files.Analyze("config.yaml");
        Assert.Contains(PlanField.ZeroStage, analysis.Dialect!.Unwritable(analysis.Binding!));
        Assert.Empty(analysis.Write([new PlanChange(PlanField.ZeroStage, 2)]));
    }

    [Fact]
    public void The_hardware_goes_into_the_modeline()
    {
        using var files = new DialectTestFiles();
        files.Write("config.yaml", Full);
        var analysis = files.Analyze("config.yaml");
        var edit = Assert.Single(analysis.Dialect!.WriteHardware(analysis.Binding!, "h100-sxm", 8));
        Assert.Equal("# lft: gpu=h100-sxm gpus_per_node=8\n", Assert.Single(edit.Edits).NewText);
    }
}
