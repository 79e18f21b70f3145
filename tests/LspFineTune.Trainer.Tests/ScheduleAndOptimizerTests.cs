using LspFineTune.Core.Planning;
using LspFineTune.Trainer.Training;

namespace LspFineTune.Trainer.Tests;

public sealed class ScheduleAndOptimizerTests
{
    [Fact]
    public void Warmup_rises_linearly_then_cosine_decays_to_zero()
    {
        var schedule = new LearningRateSchedule(1.0, LrScheduler.Cosine, 4, 14);
        Assert.Equal(0.0, schedule.At(0));
        Assert.Equal(0.5, schedule.At(2));
        Assert.Equal(1.0, schedule.At(4));
        Assert.Equal(0.5, schedule.At(9), 10);
        Assert.Equal(0.0, schedule.At(14), 10);
    }

    [Fact]
    public void AdaRankGrad_full_fine_tuning_lowers_the_loss_with_ranks_within_the_cap()
    {
        using var run = new TempRun();
        var config = run.WriteConfig("""
            method:
              type: full
            optimizer:
              type: adarankgrad
              learning_rate: 1.0e-3
              lr_scheduler: constant
              adarankgrad: { max_rank: 8, energy_threshold: 0.9 }
            training:
              micro_batch_size: 8
              sequence_length: 64
              max_steps: 25
              seed: 4
            """);
        var summary = new TrainingSession(new TrainOptions { ConfigPath = config }, TextWriter.Null, TextWriter.Null).Run();
        Assert.True(summary.FinalEvalLoss < summary.InitialEvalLoss - 0.05, $"eval loss {summary.InitialEvalLoss:F4} -> {summary.FinalEvalLoss:F4}");
    }
}
