using LspFineTune.Trainer.Training;

namespace LspFineTune.Trainer.Tests;

public sealed class ZerothOrderTests(Xunit.Abstractions.ITestOutputHelper output)
{
    private static TrainingSummary Run(TempRun run, double trainableFraction, double learningRate)
    {
        var config = run.WriteConfig($$"""
            method:
              type: zeroth_order
              zeroth_order: { epsilon: 1.0e-3, trainable_fraction: {{trainableFraction}} }
            optimizer:
              type: zo_sgd
              learning_rate: {{learningRate}}
              lr_scheduler: constant
            training:
              micro_batch_size: 16
              sequence_length: 128
              max_steps: 60
              seed: 3
            """);
        return new TrainingSession(new TrainOptions { ConfigPath = config }, new StringWriter(), new StringWriter()).Run();
    }

    [Fact]
    public void MeZO_lowers_the_eval_loss_with_forward_passes_only()
    {
        using var run = new TempRun();
        var summary = Run(run, 1.0, 2e-4);
        output.WriteLine($"eval loss {summary.InitialEvalLoss:F4} -> {summary.FinalEvalLoss:F4} ({(summary.FinalEvalLoss / summary.InitialEvalLoss - 1) * 100:F1} %), final train loss {summary.FinalLoss:F4}, {summary.MeanStepMs:F0} ms/step, peak RSS {summary.PeakRssBytes / 1048576.0:F0} MiB");
        Assert.True(summary.FinalEvalLoss < summary.InitialEvalLoss - 0.02, $"eval loss {summary.InitialEvalLoss:F4} -> {summary.FinalEvalLoss:F4}");
        Assert.True(Directory.Exists(summary.ModelDirectory), "a zeroth-order run saves the whole model");
    }

    [Fact]
    public void Sensitive_sparse_MeZO_lowers_the_eval_loss_too()
    {
        using var run = new TempRun();
        var summary = Run(run, 0.01, 5e-4);
        output.WriteLine($"eval loss {summary.InitialEvalLoss:F4} -> {summary.FinalEvalLoss:F4} ({(summary.FinalEvalLoss / summary.InitialEvalLoss - 1) * 100:F1} %), final train loss {summary.FinalLoss:F4}, {summary.MeanStepMs:F0} ms/step, peak RSS {summary.PeakRssBytes / 1048576.0:F0} MiB");
        Assert.True(summary.FinalEvalLoss < summary.InitialEvalLoss - 0.02, $"eval loss {summary.InitialEvalLoss:F4} -> {summary.FinalEvalLoss:F4}");
    }
}
