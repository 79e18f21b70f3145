using LspFineTune.Trainer.Data;
using LspFineTune.Trainer.Models;
using LspFineTune.Trainer.Tokenization;
using LspFineTune.Trainer.Training;
using LspFineTune.Trainer.Weights;

namespace LspFineTune.Trainer.Tests;

/// <summary>One seeded LoRA run of the bundled tiny model on the example data, shared by the tests below.</summary>
public sealed class LoraRunFixture : IDisposable
{
    internal TempRun Run { get; } = new();

    public TrainingSummary Summary { get; }

    public string Metrics { get; }

    public LoraRunFixture()
    {
        var config = Run.WriteConfig("""
            method:
              type: lora
              lora: { rank: 8, alpha: 16, dropout: 0.0, target_modules: all-linear }
            optimizer:
              type: adamw
              learning_rate: 5.0e-3
              lr_scheduler: cosine
              warmup_steps: 3
            training:
              micro_batch_size: 8
              sequence_length: 128
              max_steps: 40
              attention: sdpa
              seed: 7
            """);
        var stdout = new StringWriter();
        Summary = new TrainingSession(new TrainOptions { ConfigPath = config }, stdout, new StringWriter()).Run();
        Metrics = stdout.ToString();
    }

    public void Dispose() => Run.Dispose();
}

public sealed class LoraTrainingTests(LoraRunFixture run, Xunit.Abstractions.ITestOutputHelper output) : IClassFixture<LoraRunFixture>
{
    [Fact]
    public void A_LoRA_run_cuts_the_eval_loss_by_a_clear_margin()
    {
        var before = run.Summary.InitialEvalLoss!.Value;
        var after = run.Summary.FinalEvalLoss!.Value;
        var summary = run.Summary;
        output.WriteLine($"eval loss {summary.InitialEvalLoss:F4} -> {summary.FinalEvalLoss:F4} ({(summary.FinalEvalLoss / summary.InitialEvalLoss - 1) * 100:F1} %), final train loss {summary.FinalLoss:F4}, {summary.MeanStepMs:F0} ms/step, peak RSS {summary.PeakRssBytes / 1048576.0:F0} MiB");
        Assert.True(after < before * 0.8, $"eval loss went from {before:F4} to {after:F4}; expected at least 20% lower");
    }

    [Fact]
    public void Every_step_reports_the_documented_metrics()
    {
        var metrics = new MetricsLines(run.Metrics);
        var steps = metrics.Events("step").ToList();
        Assert.Equal(40, steps.Count);
        foreach (var step in steps)
        {
            foreach (var field in new[] { "step", "loss", "lr", "tokens_per_second", "step_ms", "peak_rss_bytes" })
                Assert.True(step.ContainsKey(field), $"step event lacks {field}: {step.ToJsonString()}");
            Assert.True(step["peak_rss_bytes"]!.GetValue<long>() > 0);
        }
        Assert.Equal(run.Summary.FinalEvalLoss, metrics.End["eval_loss"]!.GetValue<double>());
        Assert.NotNull(metrics.End["estimated_peak_bytes"]);
    }

    [Fact]
    public void The_adapter_is_in_PEFT_layout_and_reloads_to_the_identical_eval_loss()
    {
        var adapter = run.Summary.AdapterDirectory!;
        Assert.True(File.Exists(Path.Combine(adapter, PeftAdapter.ConfigFile)));
        using (var contents = SafeTensorsFile.Read(Path.Combine(adapter, PeftAdapter.WeightsFile)))
        {
            Assert.Contains("base_model.model.model.layers.0.self_attn.q_proj.lora_A.weight", contents.Tensors.Keys);
            Assert.Contains("base_model.model.model.layers.3.mlp.down_proj.lora_B.weight", contents.Tensors.Keys);
            Assert.Equal(4 * 7 * 2, contents.Tensors.Count);
        }

        using var model = ModelFolder.Load(TempRun.TinyModel, PeftAdapter.ReadSpec(adapter));
        PeftAdapter.Load(model, adapter);
        model.Attention = AttentionImplementation.Sdpa;
        var tokenizer = TokenizerLoader.Load(TempRun.TinyModel, model.Config.VocabSize);
        var eval = JsonlDataset.Read(RepositoryPaths.Examples("data", "tiny-eval.jsonl"), tokenizer, model.Config.BosTokenId, model.Config.EosTokenId, 129, BadLinePolicy.Fail);
        var batches = new Batcher(eval.Examples, 8, 128, packing: false, seed: 7, model.Config.PadTokenId);

        Assert.Equal(run.Summary.FinalEvalLoss!.Value, LanguageModelLoss.Evaluate(model, batches));
    }

    [Fact]
    public void Merging_the_adapter_into_the_base_weights_keeps_the_eval_loss()
    {
        var adapter = run.Summary.AdapterDirectory!;
        using var model = ModelFolder.Load(TempRun.TinyModel, PeftAdapter.ReadSpec(adapter));
        PeftAdapter.Load(model, adapter);
        var tokenizer = TokenizerLoader.Load(TempRun.TinyModel, model.Config.VocabSize);
        var eval = JsonlDataset.Read(RepositoryPaths.Examples("data", "tiny-eval.jsonl"), tokenizer, model.Config.BosTokenId, model.Config.EosTokenId, 129, BadLinePolicy.Fail);
        var batches = new Batcher(eval.Examples, 8, 128, packing: false, seed: 7, model.Config.PadTokenId);
        var adapted = LanguageModelLoss.Evaluate(model, batches);

        model.MergeLora();

        Assert.Equal(adapted, LanguageModelLoss.Evaluate(model, batches), 4);
    }
}
