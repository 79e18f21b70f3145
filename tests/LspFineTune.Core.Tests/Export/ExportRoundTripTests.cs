using LspFineTune.Core.Diagnostics;
using LspFineTune.Core.Export;
using LspFineTune.Core.Planning;
using LspFineTune.Core.Tests.Dialects;

namespace LspFineTune.Core.Tests.Export;

/// <summary>
/// `lft export` round trips, one per target: export, read the written file back with its own dialect (it must have
/// no errors), and get the same plan fields that decide memory and the same memory estimate within rounding. The
/// DeepSpeed JSON and the accelerate config hold only the launch: each is read back as the file the original trainer
/// config names or is launched with.
/// </summary>
public class ExportRoundTripTests
{
    private static ConfigAnalysis Analyze(DialectTestFiles files, string name, string? accelerate = null) =>
        files.Analyze(name, new AnalysisOptions { Binding = new BindingOptions { AccelerateDefaultConfig = null, AccelerateConfigPath = accelerate } });

    private static ExportResult Export(ConfigAnalysis analysis, ExportTarget target, string output)
    {
        var result = PlanExport.Export(analysis, target, output);
        Assert.True(result.Problem is null, result.Problem);
        foreach (var file in result.Files)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(file.Path)!);
            File.WriteAllText(file.Path, file.Text);
        }
        return result;
    }

    /// <summary>The written file as its own dialect reads it: claimed by that dialect, and without errors.</summary>
    private static ConfigAnalysis ReadBack(DialectTestFiles files, string name, string dialect, string? accelerate = null)
    {
        var analysis = files.Analyze(name, new AnalysisOptions { Dialect = dialect, Binding = new BindingOptions { AccelerateDefaultConfig = null, AccelerateConfigPath = accelerate } });
        Assert.Equal(dialect, analysis.Dialect?.Id);
        var errors = analysis.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).Select(d => $"{d.Code}: {d.Message}").ToList();
        Assert.True(errors.Count == 0, $"{name} has errors:\n{string.Join("\n", errors)}\n{File.ReadAllText(Path.Combine(files.Folder, name))}");
        return analysis;
    }

    private static void SamePlan(ConfigAnalysis original, ConfigAnalysis readBack)
    {
        var (a, b) = (original.Plan!, readBack.Plan!);
        Assert.Equal((a.Hardware.Gpu.Id, a.Hardware.GpusPerNode, a.Hardware.Nodes), (b.Hardware.Gpu.Id, b.Hardware.GpusPerNode, b.Hardware.Nodes));
        Assert.Equal((a.Model.Architecture.ModelType, a.Model.Architecture.NumHiddenLayers, a.Model.Architecture.HiddenSize), (b.Model.Architecture.ModelType, b.Model.Architecture.NumHiddenLayers, b.Model.Architecture.HiddenSize));
        Assert.Equal((a.Model.Dtype, a.Model.Quantization, a.Method.Type), (b.Model.Dtype, b.Model.Quantization, b.Method.Type));
        if (a.Method.Type == FineTuneMethod.Lora)
        {
            Assert.Equal((a.Method.Lora.Rank, a.Method.Lora.Alpha, a.Method.Lora.AllLinear), (b.Method.Lora.Rank, b.Method.Lora.Alpha, b.Method.Lora.AllLinear));
            Assert.Equal(a.Method.Lora.TargetModules, b.Method.Lora.TargetModules);
        }
        Assert.Equal((a.Optimizer.Type, a.Optimizer.LearningRate), (b.Optimizer.Type, b.Optimizer.LearningRate));
        Assert.Equal((a.Training.MicroBatchSize, a.Training.GradientAccumulationSteps, a.Training.SequenceLength), (b.Training.MicroBatchSize, b.Training.GradientAccumulationSteps, b.Training.SequenceLength));
        Assert.Equal((a.Training.GradientCheckpointing, a.Training.Attention, a.Training.Packing), (b.Training.GradientCheckpointing, b.Training.Attention, b.Training.Packing));
        Assert.Equal((a.DeepSpeed.Engine, a.DeepSpeed.ZeroStage, a.DeepSpeed.OffloadOptimizer, a.DeepSpeed.OffloadParams), (b.DeepSpeed.Engine, b.DeepSpeed.ZeroStage, b.DeepSpeed.OffloadOptimizer, b.DeepSpeed.OffloadParams));
        var (peak, back) = (original.Estimate!.Memory.PeakBytes, readBack.Estimate!.Memory.PeakBytes);
        Assert.True(Math.Abs(peak - back) <= 0.005 * peak, $"estimate {back:N0} B after the round trip, {peak:N0} B before");
    }

    [Fact]
    public void Native_round_trip_of_a_native_example()
    {
        using var files = new DialectTestFiles();
        files.Write("lora.lft.yaml", File.ReadAllText(TestRepository.Example("llama2-7b-lora.lft.yaml")));
        var original = Analyze(files, "lora.lft.yaml");
        var result = Export(original, ExportTarget.Native, Path.Combine(files.Folder, "out.lft.yaml"));
        Assert.Empty(result.NotExpressed);
        SamePlan(original, ReadBack(files, "out.lft.yaml", "native"));
    }

    private const string AxolotlZero3 = "# lft: gpu=h100-sxm gpus_per_node=8\nbase_model: meta-llama/Llama-3.1-8B\nsequence_len: 4096\nmicro_batch_size: 2\ngradient_accumulation_steps: 4\nlearning_rate: 0.00002\nbf16: true\ngradient_checkpointing: true\nattn_implementation: flash_attention_2\ndeepspeed: deepspeed_configs/zero3_bf16.json\noutput_dir: ./out\n";

    [Fact]
    public void Native_round_trip_of_an_axolotl_full_fine_tune_sharded_with_ZeRO_3()
    {
        using var files = new DialectTestFiles();
        files.Write("axolotl.yml", AxolotlZero3);
        var original = Analyze(files, "axolotl.yml");
        Export(original, ExportTarget.Native, Path.Combine(files.Folder, "out.lft.yaml"));
        SamePlan(original, ReadBack(files, "out.lft.yaml", "native"));
    }

    [Fact]
    public void Axolotl_round_trip_of_an_axolotl_LoRA_config_with_a_preset_into_another_folder()
    {
        using var files = new DialectTestFiles();
        files.Write("axolotl.yml", "# lft: gpu=a100-80gb gpus_per_node=4\nbase_model: meta-llama/Llama-3.2-1B\nadapter: lora\nlora_r: 32\nlora_alpha: 64\nlora_dropout: 0.05\nlora_target_modules: [q_proj, k_proj, v_proj, o_proj]\nsequence_len: 2048\nmicro_batch_size: 4\ngradient_accumulation_steps: 2\nlearning_rate: 0.0002\nbf16: true\ndeepspeed: deepspeed_configs/zero2.json\noutput_dir: ./out\n");
        var original = Analyze(files, "axolotl.yml");
        var result = Export(original, ExportTarget.Axolotl, Path.Combine(files.Folder, "exported", "out.yml"));
        Assert.Contains("deepspeed: deepspeed_configs/zero2.json", result.Files[0].Text);
        SamePlan(original, ReadBack(files, "exported/out.yml", "axolotl"));
    }

    [Fact]
    public void A_native_data_file_is_named_relative_to_the_written_file()
    {
        using var files = new DialectTestFiles();
        files.Write("data/train.jsonl", "{\"text\": \"one example\"}\n{\"text\": \"another example\"}\n");
        files.Write("cfg/lora.lft.yaml", "model:\n  name: meta-llama/Llama-3.2-1B\nmethod:\n  type: lora\ndata:\n  train: ../data/train.jsonl\n");
        var original = Analyze(files, "cfg/lora.lft.yaml");
        var native = Export(original, ExportTarget.Native, Path.Combine(files.Folder, "out", "copy.lft.yaml"));
        Assert.Contains("train: ../data/train.jsonl", native.Files[0].Text);
        var back = ReadBack(files, "out/copy.lft.yaml", "native");
        Assert.Equal(original.Plan!.Data.TrainPath, back.Plan!.Data.TrainPath);
        Assert.Equal(original.Plan.Data.NumExamples, back.Plan.Data.NumExamples);
        var axolotl = Export(original, ExportTarget.Axolotl, Path.Combine(files.Folder, "out.yml"));
        Assert.Contains("datasets:\n  - path: ./data/train.jsonl\n    type: completion\n", axolotl.Files[0].Text);
        ReadBack(files, "out.yml", "axolotl");
    }

    [Fact]
    public void Axolotl_round_trip_of_a_native_full_fine_tune_with_ZeRO_3_writes_the_preset_that_has_it()
    {
        using var files = new DialectTestFiles();
        files.Write("full.lft.yaml", "model:\n  name: meta-llama/Llama-3.1-8B\n  dtype: bf16\nhardware:\n  gpu: h100-sxm\n  gpus_per_node: 8\nmethod:\n  type: full\ntraining:\n  micro_batch_size: 1\n  gradient_accumulation_steps: 8\n  sequence_length: 4096\n  gradient_checkpointing: true\n  attention: flash\ndeepspeed:\n  zero_stage: 3\n");
        var original = Analyze(files, "full.lft.yaml");
        var result = Export(original, ExportTarget.Axolotl, Path.Combine(files.Folder, "out.yml"));
        Assert.StartsWith("# lft: gpu=h100-sxm gpus_per_node=8\n", result.Files[0].Text);
        Assert.Contains("deepspeed: deepspeed_configs/zero3_bf16.json", result.Files[0].Text);
        SamePlan(original, ReadBack(files, "out.yml", "axolotl"));
    }

    [Fact]
    public void Axolotl_export_without_a_matching_preset_writes_the_DeepSpeed_JSON_beside_it()
    {
        using var files = new DialectTestFiles();
        files.Write("full.lft.yaml", "model:\n  name: meta-llama/Llama-3.1-8B\n  dtype: bf16\nhardware:\n  gpu: a100-80gb\n  gpus_per_node: 4\nmethod:\n  type: full\ntraining:\n  micro_batch_size: 1\n  sequence_length: 2048\n  gradient_checkpointing: true\ndeepspeed:\n  zero_stage: 3\n  offload_optimizer: nvme\n");
        var original = Analyze(files, "full.lft.yaml");
        var result = Export(original, ExportTarget.Axolotl, Path.Combine(files.Folder, "out.yml"));
        Assert.Equal(2, result.Files.Count);
        Assert.EndsWith("out.deepspeed.json", result.Files[1].Path);
        Assert.Contains("deepspeed: ./out.deepspeed.json", result.Files[0].Text);
        ReadBack(files, "out.deepspeed.json", "deepspeed");
        SamePlan(original, ReadBack(files, "out.yml", "axolotl"));
    }

    [Fact]
    public void DeepSpeed_round_trip_the_exported_JSON_in_place_of_the_one_the_config_names()
    {
        using var files = new DialectTestFiles();
        files.Write("axolotl.yml", AxolotlZero3);
        var original = Analyze(files, "axolotl.yml");
        var result = Export(original, ExportTarget.DeepSpeed, Path.Combine(files.Folder, "ds.json"));
        Assert.Contains(result.NotExpressed, n => n.Contains("model, method, sequence length"));
        ReadBack(files, "ds.json", "deepspeed");
        files.Write("axolotl-exported.yml", AxolotlZero3.Replace("deepspeed_configs/zero3_bf16.json", "ds.json"));
        var back = ReadBack(files, "axolotl-exported.yml", "axolotl");
        Assert.EndsWith("ds.json", back.Companions.Single().Path);
        SamePlan(original, back);
    }

    private const string Trl = "model_name_or_path: meta-llama/Llama-3.1-8B\nper_device_train_batch_size: 1\ngradient_accumulation_steps: 8\nmax_length: 4096\nbf16: true\ngradient_checkpointing: true\nattn_implementation: flash_attention_2\noutput_dir: out\n";

    [Theory]
    [InlineData(AccelerateLaunchTests.Zero2)]
    [InlineData(AccelerateLaunchTests.Fsdp)]
    public void Accelerate_round_trip_the_exported_config_as_the_launch_file(string launchFile)
    {
        using var files = new DialectTestFiles();
        files.Write("launch.yaml", launchFile);
        files.Write("trl.yaml", Trl);
        var original = Analyze(files, "trl.yaml", accelerate: "launch.yaml");
        Assert.Equal(8, original.Plan!.Hardware.GpusPerNode);
        Export(original, ExportTarget.Accelerate, Path.Combine(files.Folder, "exported.yaml"));
        ReadBack(files, "exported.yaml", "accelerate");
        SamePlan(original, ReadBack(files, "trl.yaml", "trl", accelerate: "exported.yaml"));
    }

    [Fact]
    public void What_a_target_cannot_express_is_named()
    {
        using var files = new DialectTestFiles();
        files.Write("dpo.yaml", "# lft: recipe=dpo\n" + Trl + "beta: 0.1\nloss_type: sigmoid\nuse_liger_kernel: true\n");
        var original = Analyze(files, "dpo.yaml");
        var native = PlanExport.Export(original, ExportTarget.Native, Path.Combine(files.Folder, "out.lft.yaml"));
        Assert.Contains(native.NotExpressed, n => n.StartsWith("the objective (DPO", StringComparison.Ordinal));
        Assert.Contains(native.NotExpressed, n => n.StartsWith("the memory savers", StringComparison.Ordinal));
        var zeroth = Analyze(files, "zo.lft.yaml".Length > 0 ? WriteNative(files) : "");
        Assert.Contains("zeroth-order", PlanExport.Export(zeroth, ExportTarget.Axolotl, Path.Combine(files.Folder, "zo.yml")).Problem);
    }

    private static string WriteNative(DialectTestFiles files)
    {
        files.Write("zo.lft.yaml", File.ReadAllText(TestRepository.Example("llama2-7b-senszoq.lft.yaml")));
        return "zo.lft.yaml";
    }
}
