using System.Diagnostics;
using LspFineTune.Core.Diagnostics;
using LspFineTune.Core.Dialects;
using LspFineTune.Core.Planning;
using Diagnostic = LspFineTune.Core.Diagnostics.Diagnostic;

namespace LspFineTune.Core.Tests.Dialects;

/// <summary>A DeepSpeed JSON named by an axolotl config: read, validated in its own file, filled from the config, and edited by fixes.</summary>
public class DeepSpeedCompanionTests
{
    private const string Config = "# lft: gpu=a100-40gb gpus_per_node=8\nbase_model: meta-llama/Llama-3.1-8B\nsequence_len: 4096\nmicro_batch_size: 1\ngradient_accumulation_steps: 8\nbf16: true\ngradient_checkpointing: true\nattn_implementation: flash_attention_2\ndeepspeed: DS\n";

    private const string Zero2 = """
        {
          "zero_optimization": { "stage": 2, "overlap_comm": true },
          "bf16": { "enabled": "auto" },
          "train_micro_batch_size_per_gpu": "auto",
          "gradient_accumulation_steps": "auto"
        }
        """;

    private static (ConfigAnalysis Analysis, DialectTestFiles Files) Analyze(string deepspeed, string? json = Zero2, string config = Config)
    {
        var files = new DialectTestFiles();
        if (json is not null)
            files.Write("ds.json", json);
        files.Write("config.yml", config.Replace("DS", deepspeed));
        return (files.Analyze("config.yml"), files);
    }

    private static Diagnostic OnDeepSpeedKey(ConfigAnalysis analysis, string code) =>
        Assert.Single(analysis.Diagnostics, d => d.Code == code && d.FilePath is null && d.Range.Start.Line == 8);

    [Fact]
    public void The_ZeRO_stage_and_offload_come_from_the_named_file_with_its_provenance()
    {
        var (analysis, files) = Analyze("ds.json", Zero2.Replace("\"overlap_comm\": true", "\"offload_optimizer\": { \"device\": \"cpu\" }"));
        using (files)
        {
            Assert.Equal((2, OffloadTarget.Cpu), (analysis.Plan!.DeepSpeed.ZeroStage, analysis.Plan.DeepSpeed.OffloadOptimizer));
            var source = analysis.Provenance.Of(PlanField.ZeroStage);
            Assert.Equal((ValueOrigin.Companion, Path.Combine(files.Folder, "ds.json")), (source.Origin, source.FilePath));
            Assert.Equal("deepspeed", analysis.Provenance.Driver(PlanField.ZeroStage)!.Key.Value);
            Assert.Equal(Path.Combine(files.Folder, "ds.json"), Assert.Single(analysis.Companions).Path);
        }
    }

    [Fact]
    public void A_value_that_is_not_auto_must_match_the_trainer_as_the_HF_integration_demands()
    {
        var (analysis, files) = Analyze("ds.json", Zero2.Replace("\"train_micro_batch_size_per_gpu\": \"auto\"", "\"train_micro_batch_size_per_gpu\": 4"));
        using (files)
        {
            var mismatch = Assert.Single(analysis.Diagnostics, d => d.Code == DiagnosticCodes.DeepSpeedValueMismatch);
            Assert.Equal(Path.Combine(files.Folder, "ds.json"), mismatch.FilePath);
            Assert.Equal(DiagnosticSeverity.Error, mismatch.Severity);
            Assert.Contains("is 4 but the trainer's `micro_batch_size` gives 1", mismatch.Message);
            Assert.Contains("\"auto\"", mismatch.Message);
        }
    }

    [Fact]
    public void An_optimizer_block_replaces_the_trainers_optimizer_and_the_estimate_says_so()
    {
        var config = Config.Replace("bf16: true\n", "bf16: true\noptimizer: adamw_bnb_8bit\n");
        var (analysis, files) = Analyze("ds.json", Zero2.Replace("\"bf16\"", "\"optimizer\": { \"type\": \"AdamW\", \"params\": { \"lr\": \"auto\" } },\n  \"bf16\""), config);
        using (files)
        {
            Assert.Equal(OptimizerType.AdamW, analysis.Plan!.Optimizer.Type);
            var note = Assert.Single(analysis.Diagnostics, d => d.Code == DiagnosticCodes.DeepSpeedOptimizerOverrides);
            Assert.Contains("replaces `optimizer: adamw_bnb_8bit`", note.Message);
        }
    }

    [Fact]
    public void A_shipped_preset_resolves_by_name_when_the_file_is_not_at_hand()
    {
        var (analysis, files) = Analyze("deepspeed_configs/zero3_bf16_cpuoffload_params.json", json: null);
        using (files)
        {
            Assert.Equal((3, OffloadTarget.Cpu), (analysis.Plan!.DeepSpeed.ZeroStage, analysis.Plan.DeepSpeed.OffloadParams));
            Assert.Equal(DiagnosticSeverity.Information, OnDeepSpeedKey(analysis, DiagnosticCodes.PresetResolved).Severity);
            Assert.True(Assert.Single(analysis.Companions).IsPreset);
        }
    }

    [Fact]
    public void Errors_in_the_companion_are_reported_in_it_and_summarised_on_the_key_that_names_it()
    {
        var (analysis, files) = Analyze("ds.json", Zero2.Replace("\"stage\": 2", "\"stage\": 7"));
        using (files)
        {
            Assert.Contains(analysis.Diagnostics, d => d.FilePath == Path.Combine(files.Folder, "ds.json") && d.Severity == DiagnosticSeverity.Error && d.Range.Start.Line == 1);
            Assert.Contains("has 1 error", OnDeepSpeedKey(analysis, DiagnosticCodes.CompanionFileUnreadable).Message);
        }
    }

    [Theory]
    [InlineData("missing.json", "Cannot find the DeepSpeed config")]
    [InlineData("subfolder", "it is a directory")]
    [InlineData("config.yml", "names this file itself")]
    public void A_bad_companion_path_is_a_clear_error_on_the_key(string path, string words)
    {
        var (analysis, files) = Analyze(path);
        using (files)
        {
            Directory.CreateDirectory(Path.Combine(files.Folder, "subfolder"));
            var reanalysed = files.Analyze("config.yml");
            Assert.Contains(words, OnDeepSpeedKey(reanalysed, DiagnosticCodes.CompanionFileUnreadable).Message);
            Assert.NotNull(reanalysed.Estimate);
        }
    }

    [Fact]
    public void A_huge_companion_is_not_read()
    {
        var (_, files) = Analyze("big.json");
        using (files)
        {
            using (var big = File.Create(Path.Combine(files.Folder, "big.json")))
                big.SetLength(2L * 1024 * 1024 * 1024); // sparse: 2 GB on paper, nothing on disk
            var watch = Stopwatch.StartNew();
            var analysis = files.Analyze("config.yml");
            Assert.Contains("over the 1 MB read", OnDeepSpeedKey(analysis, DiagnosticCodes.CompanionFileUnreadable).Message);
            Assert.True(watch.Elapsed < TimeSpan.FromSeconds(20), "a huge file must be refused from its size, not read");
        }
    }

    [Fact]
    public async Task A_device_or_a_FIFO_is_refused_without_being_opened()
    {
        if (OperatingSystem.IsWindows())
            return;
        var (_, files) = Analyze("/dev/zero");
        using (files)
        {
            Assert.Contains("not a regular file", OnDeepSpeedKey(files.Analyze("config.yml"), DiagnosticCodes.CompanionFileUnreadable).Message);
            var fifo = Path.Combine(files.Folder, "fifo.json");
            using (var mkfifo = Process.Start("mkfifo", fifo))
                mkfifo.WaitForExit();
            files.Write("config.yml", Config.Replace("DS", "fifo.json"));
            // Opening a FIFO for reading blocks until a writer comes: the analysis must finish anyway.
            var analysis = Task.Run(() => files.Analyze("config.yml"));
            var finished = await Task.WhenAny(analysis, Task.Delay(TimeSpan.FromSeconds(20)));
            Assert.True(finished == analysis, "reading a FIFO companion hung");
            Assert.Contains("not a regular file", OnDeepSpeedKey(await analysis, DiagnosticCodes.CompanionFileUnreadable).Message);
        }
    }

    [Fact]
    public void The_ZeRO_3_fix_edits_the_named_file_and_reaches_the_estimate_it_promises()
    {
        var (analysis, files) = Analyze("ds.json");
        using (files)
        {
            var oom = Assert.Single(analysis.Diagnostics, d => d.Code == DiagnosticCodes.OutOfMemory);
            var fix = Assert.Single(oom.Fixes, f => f.Title.StartsWith("Switch to ZeRO-3", StringComparison.Ordinal));
            var edit = Assert.Single(fix.Edits);
            Assert.Equal(Path.Combine(files.Folder, "ds.json"), edit.FilePath);
            File.WriteAllText(edit.FilePath!, Apply(File.ReadAllText(edit.FilePath!), edit.Edits));
            var after = files.Analyze("config.yml");
            Assert.Equal(3, after.Plan!.DeepSpeed.ZeroStage);
            Assert.DoesNotContain(after.Diagnostics, d => d.Code == DiagnosticCodes.OutOfMemory);
            Assert.Equal(fix.Result!.Memory.PeakBytes, after.Estimate!.Memory.PeakBytes);
        }
    }

    [Fact]
    public void With_a_preset_the_fix_switches_to_the_preset_that_has_the_stage()
    {
        var (analysis, files) = Analyze("./deepspeed_configs/zero2.json", json: null, Config.Replace("gpus_per_node=8", "gpus_per_node=2"));
        using (files)
        {
            var changes = new[] { new PlanChange(PlanField.ZeroStage, 3), new PlanChange(PlanField.OffloadOptimizer, OffloadTarget.None) };
            var edit = Assert.Single(analysis.Write(changes));
            Assert.Null(edit.FilePath);
            Assert.Equal("./deepspeed_configs/zero3_bf16.json", Assert.Single(edit.Edits).NewText);
        }
    }

    [Fact]
    public void Without_a_DeepSpeed_config_the_fix_creates_one_and_names_it()
    {
        using var files = new DialectTestFiles();
        files.Write("config.yml", Config.Replace("deepspeed: DS\n", ""));
        var analysis = files.Analyze("config.yml");
        var edits = analysis.Write([new PlanChange(PlanField.ZeroStage, 3)]);
        var created = Assert.Single(edits, e => e.CreatesFile);
        Assert.Equal(Path.Combine(files.Folder, "ds_zero3.json"), created.FilePath);
        Assert.Contains("\"stage\": 3", created.Edits[0].NewText);
        Assert.Contains("\"train_micro_batch_size_per_gpu\": \"auto\"", created.Edits[0].NewText);
        Assert.Equal("\ndeepspeed: ds_zero3.json", Assert.Single(Assert.Single(edits, e => e.FilePath is null).Edits).NewText);

        // What the fix writes is what the estimate assumed.
        File.WriteAllText(created.FilePath!, created.Edits[0].NewText);
        files.Write("config.yml", File.ReadAllText(Path.Combine(files.Folder, "config.yml")) + "deepspeed: ds_zero3.json\n");
        Assert.Equal(3, files.Analyze("config.yml").Plan!.DeepSpeed.ZeroStage);
    }

    private static string Apply(string text, IReadOnlyList<Core.Editing.TextEdit> edits)
    {
        var lines = text.Split('\n');
        foreach (var edit in edits.OrderByDescending(e => e.Range.Start))
        {
            var line = lines[edit.Range.Start.Line];
            lines[edit.Range.Start.Line] = line[..edit.Range.Start.Character] + edit.NewText + line[edit.Range.End.Character..];
        }
        return string.Join('\n', lines);
    }
}

public class DialectDocumentationTests
{
    [Fact]
    public void DeepSpeed_keys_behind_refs_and_anyOf_branches_are_documented()
    {
        var docs = Core.Dialects.DeepSpeed.DeepSpeedDialect.Instance.Documentation!;
        var zero = docs.Find("zero_optimization")!;
        Assert.Contains("object", zero.Types);
        Assert.True(zero.IsSection);
        var stage = docs.Find("zero_optimization.stage")!;
        Assert.False(string.IsNullOrEmpty(stage.Description));
        Assert.NotNull(docs.Find("zero_optimization.overlap_comm")?.Description);
        var accumulation = docs.Find("gradient_accumulation_steps")!;
        Assert.Contains(accumulation.AllowedValues, v => v?.ToJsonString() == "\"auto\"");
    }

    [Fact]
    public void Axolotl_memory_keys_have_our_own_descriptions()
    {
        var docs = Core.Dialects.Axolotl.AxolotlDialect.Instance.Documentation!;
        foreach (var key in new[] { "gradient_checkpointing", "micro_batch_size", "sequence_len", "adapter", "load_in_4bit", "deepspeed", "optimizer", "attn_implementation" })
            Assert.False(string.IsNullOrWhiteSpace(docs.Find(key)?.Description), key);
        Assert.Contains("memory", docs.Find("gradient_checkpointing")!.Description!, StringComparison.OrdinalIgnoreCase);
    }
}
