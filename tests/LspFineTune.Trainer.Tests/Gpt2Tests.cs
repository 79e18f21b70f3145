using LspFineTune.Trainer.Models;
using LspFineTune.Trainer.Native;
using LspFineTune.Trainer.Pretraining;
using LspFineTune.Trainer.Training;
using LspFineTune.Trainer.Weights;
using static TorchSharp.torch;

namespace LspFineTune.Trainer.Tests;

public sealed class Gpt2Tests
{
    private readonly Xunit.Abstractions.ITestOutputHelper _output;

    public Gpt2Tests(Xunit.Abstractions.ITestOutputHelper output)
    {
        _output = output;
        LibTorchLoader.EnsureLoaded();
    }

    [Fact]
    public void A_GPT2_folder_round_trips_with_Hugging_Face_names_and_Conv1D_shapes()
    {
        using var run = new TempRun();
        manual_seed(3);
        using var model = new Gpt2LMHeadModel(GradientEquivalenceTests.TinyGpt2);
        var folder = Path.Combine(run.Directory, "gpt2");
        ModelFolder.Save(model, folder, ScalarType.Float32);

        using (var contents = SafeTensorsFile.Read(Path.Combine(folder, ModelFolder.WeightsFile)))
        {
            Assert.Equal([64L, 192L], contents.Tensors["transformer.h.0.attn.c_attn.weight"].shape);
            Assert.Contains("transformer.wpe.weight", contents.Tensors.Keys);
            Assert.Contains("transformer.ln_f.bias", contents.Tensors.Keys);
        }
        using var reloaded = ModelFolder.Load(folder);
        using var ids = tensor(new long[] { 1, 40, 41, 42, 43 }, [1, 5]);
        using var expected = model.forward(ids);
        using var actual = reloaded.forward(ids);
        Assert.IsType<Gpt2LMHeadModel>(reloaded);
        Assert.True(expected.allclose(actual));
    }

    [Fact]
    public void A_GPT2_made_by_init_model_fine_tunes_with_LoRA_on_c_attn_and_saves_a_fan_in_fan_out_adapter()
    {
        using var run = new TempRun();
        var folder = Path.Combine(run.Directory, "gpt2");
        Directory.CreateDirectory(folder);
        File.WriteAllText(Path.Combine(folder, ModelFolder.ConfigFile), GradientEquivalenceTests.TinyGpt2.ToJson());
        ModelInitializer.Run(new ModelInitializer.Options(folder, Steps: 30, SequenceLength: 64), TextWriter.Null);
        var config = Path.Combine(run.Directory, "gpt2.lft.yaml");
        File.WriteAllText(config, $"""
            model:
              path: {folder}
              dtype: fp32
            hardware:
              gpu: cpu
            method:
              type: lora
              lora: {"{"} rank: 8, alpha: 16, dropout: 0.0, target_modules: [c_attn, c_fc] {"}"}
            optimizer:
              type: adamw
              learning_rate: 5.0e-3
              lr_scheduler: constant
            training:
              micro_batch_size: 8
              sequence_length: 64
              max_steps: 25
              seed: 2
            data:
              train: {RepositoryPaths.Examples("data", "tiny-train.jsonl")}
              eval: {RepositoryPaths.Examples("data", "tiny-eval.jsonl")}
            output:
              dir: {run.Output}
            """);

        var summary = new TrainingSession(new TrainOptions { ConfigPath = config }, TextWriter.Null, TextWriter.Null).Run();
        _output.WriteLine($"eval loss {summary.InitialEvalLoss:F4} -> {summary.FinalEvalLoss:F4} ({(summary.FinalEvalLoss / summary.InitialEvalLoss - 1) * 100:F1} %), final train loss {summary.FinalLoss:F4}, {summary.MeanStepMs:F0} ms/step, peak RSS {summary.PeakRssBytes / 1048576.0:F0} MiB");

        Assert.True(summary.FinalEvalLoss < summary.InitialEvalLoss - 0.05, $"eval loss {summary.InitialEvalLoss:F4} -> {summary.FinalEvalLoss:F4}");
        Assert.Contains("\"fan_in_fan_out\": true", File.ReadAllText(Path.Combine(summary.AdapterDirectory!, PeftAdapter.ConfigFile)));
        using var contents = SafeTensorsFile.Read(Path.Combine(summary.AdapterDirectory!, PeftAdapter.WeightsFile));
        Assert.Contains("base_model.model.transformer.h.1.attn.c_attn.lora_A.weight", contents.Tensors.Keys);
        Assert.Contains("base_model.model.transformer.h.0.mlp.c_fc.lora_B.weight", contents.Tensors.Keys);
    }
}
