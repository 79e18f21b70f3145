using LspFineTune.Trainer.Training;

namespace LspFineTune.Trainer.Tests;

public sealed class PrecisionTests(Xunit.Abstractions.ITestOutputHelper output)
{
    [Fact]
    public void A_bf16_LoRA_run_with_gradient_checkpointing_lowers_the_eval_loss()
    {
        using var run = new TempRun();
        var config = run.WriteConfig("""
            method:
              type: lora
              lora: { rank: 8, alpha: 16, dropout: 0.05, target_modules: all-linear }
            optimizer:
              type: adamw
              learning_rate: 5.0e-3
              lr_scheduler: linear
              warmup_steps: 2
            training:
              micro_batch_size: 8
              sequence_length: 64
              max_steps: 15
              gradient_checkpointing: true
              attention: eager
              seed: 5
            """, dtype: "bf16");
        var stdout = new StringWriter();
        var summary = new TrainingSession(new TrainOptions { ConfigPath = config }, stdout, TextWriter.Null).Run();
        output.WriteLine($"eval loss {summary.InitialEvalLoss:F4} -> {summary.FinalEvalLoss:F4} ({(summary.FinalEvalLoss / summary.InitialEvalLoss - 1) * 100:F1} %), final train loss {summary.FinalLoss:F4}, {summary.MeanStepMs:F0} ms/step, peak RSS {summary.PeakRssBytes / 1048576.0:F0} MiB");

        Assert.True(summary.FinalEvalLoss < summary.InitialEvalLoss - 0.1, $"eval loss {summary.InitialEvalLoss:F4} -> {summary.FinalEvalLoss:F4}");
        Assert.All(new MetricsLines(stdout.ToString()).Events("step"), step => Assert.NotNull(step["loss"]));
    }
}
