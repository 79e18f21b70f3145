using LspFineTune.Core.Planning;
using LspFineTune.Trainer.Training;

namespace LspFineTune.Trainer.Tests;

public sealed class ScheduleAndOptimizerTests(Xunit.Abstractions.ITestOutputHelper output)
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
    public void AdaRankGrad_full_fine_tuning_lowers_the_eval_loss()
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
        output.WriteLine($"eval loss {summary.InitialEvalLoss:F4} -> {summary.FinalEvalLoss:F4} ({(summary.FinalEvalLoss / summary.InitialEvalLoss - 1) * 100:F1} %), final train loss {summary.FinalLoss:F4}, {summary.MeanStepMs:F0} ms/step, peak RSS {summary.PeakRssBytes / 1048576.0:F0} MiB");
        Assert.True(summary.FinalEvalLoss < summary.InitialEvalLoss - 0.05, $"eval loss {summary.InitialEvalLoss:F4} -> {summary.FinalEvalLoss:F4}");
    }

    [Fact]
    public void AdaRankGrad_keeps_ranks_within_the_cap_and_carries_moments_into_a_new_subspace()
    {
        LspFineTune.Trainer.Native.LibTorchLoader.EnsureLoaded();
        TorchSharp.torch.manual_seed(1);
        var weight = new TorchSharp.Modules.Parameter(TorchSharp.torch.randn(16, 32));
        var settings = new AdaRankGradSettings { MaxRank = 4, EnergyThreshold = 0.99, UpdateInterval = 5 };
        using var optimizer = new AdaRankGradOptimizer([("w", weight)], weightDecay: 0, settings, seed: 1);
        var before = weight.detach().clone();
        for (var step = 0; step < settings.UpdateInterval + 1; step++)
        {
            // A fresh random gradient each step: full-rank, so the cap decides the rank.
            weight.grad = TorchSharp.torch.randn(16, 32);
            optimizer.Step(1e-2);
        }

        Assert.Equal(4, optimizer.Ranks["w"]);
        var state = optimizer.State().ToDictionary(s => s.Name, s => s.Value);
        Assert.Equal([4L, 32L], state["adarankgrad.exp_avg.w"].shape);
        Assert.Equal([16L, 4L], state["adarankgrad.projector.w"].shape);
        Assert.Equal(settings.UpdateInterval + 1, state["adarankgrad.refreshed_at.w"].item<long>());
        Assert.True(state["adarankgrad.exp_avg.w"].abs().sum().item<float>() > 0, "moments were carried over, not reset");
        Assert.False(weight.detach().allclose(before));
    }
}
