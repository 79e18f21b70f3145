using LspFineTune.Core.Editing;
using LspFineTune.Trainer.Training;

namespace LspFineTune.Trainer.Tests;

/// <summary>A sweep trial (lft sweep) is scored early with --stop-after-steps and later resumed: both must be the
/// uninterrupted run, step for step, or the early score measures a different schedule than the final one.</summary>
public sealed class EarlyStopTests
{
    private const string Trial = """
        method:
          type: lora
          lora: { rank: 4, alpha: 8, dropout: 0.0, target_modules: [q_proj, v_proj] }
        optimizer:
          type: adamw
          learning_rate: 1.0e-3
          lr_scheduler: cosine
          warmup_steps: 3
        training:
          micro_batch_size: 4
          sequence_length: 64
          max_steps: 20
          seed: 5
        """;

    private static MetricsLines Train(TrainOptions options)
    {
        var stdout = new StringWriter();
        new TrainingSession(options with { Threads = 1 }, stdout, TextWriter.Null).Run();
        return new MetricsLines(stdout.ToString());
    }

    [Fact]
    public void An_early_stopped_trial_keeps_the_whole_runs_schedule_and_resuming_it_ends_exactly_as_an_uninterrupted_run()
    {
        using var straightRun = new TempRun();
        var straight = Train(new TrainOptions { ConfigPath = straightRun.WriteConfig(Trial) });

        using var trialRun = new TempRun();
        var config = trialRun.WriteConfig(Trial);
        var early = Train(new TrainOptions { ConfigPath = config, StopAfterSteps = 7 });
        var resumed = Train(new TrainOptions { ConfigPath = config, Resume = true });

        var expectedRates = straight.Events("step").ToDictionary(e => e["step"]!.GetValue<long>(), e => e["lr"]!.GetValue<double>());
        var earlySteps = early.Events("step").ToList();
        Assert.Equal(7, earlySteps.Count);
        foreach (var step in earlySteps.Concat(resumed.Events("step")))
            Assert.Equal(expectedRates[step["step"]!.GetValue<long>()], step["lr"]!.GetValue<double>());
        Assert.All(earlySteps, s => Assert.Equal(20, s["total_steps"]!.GetValue<long>()));

        var stopped = early.Events("stopped").Single();
        Assert.Equal(7, stopped["step"]!.GetValue<long>());
        Assert.True(stopped["eval_loss"]!.GetValue<double>() > 0);
        Assert.Empty(early.Events("end"));
        Assert.Equal(7, resumed.Events("start").Single()["start_step"]!.GetValue<long>());
        Assert.Equal(straight.End["final_loss"]!.GetValue<double>(), resumed.End["final_loss"]!.GetValue<double>(), 1e-6);
        Assert.Equal(straight.End["eval_loss"]!.GetValue<double>(), resumed.End["eval_loss"]!.GetValue<double>(), 1e-6);
    }

    [Fact]
    public void A_set_override_trains_as_the_same_value_written_in_the_file()
    {
        using var writtenRun = new TempRun();
        var written = Train(new TrainOptions { ConfigPath = writtenRun.WriteConfig(Trial.Replace("learning_rate: 1.0e-3", "learning_rate: 3.0e-3").Replace("max_steps: 20", "max_steps: 4")) });

        using var overriddenRun = new TempRun();
        var overridden = Train(new TrainOptions
        {
            ConfigPath = overriddenRun.WriteConfig(Trial.Replace("max_steps: 20", "max_steps: 4")),
            Overrides = [ConfigOverrides.Parse("optimizer.learning_rate=3.0e-3")],
        });

        Assert.Equal(written.End["final_loss"]!.GetValue<double>(), overridden.End["final_loss"]!.GetValue<double>());
        Assert.Equal(3.0e-3, overridden.Events("step").Max(s => s["lr"]!.GetValue<double>()), 1e-12);
    }

    [Fact]
    public void A_set_override_with_a_wrong_value_is_the_configs_error_with_the_override_named()
    {
        var (code, _, stderr) = RunWithSet("training.micro_batch_size=lots");
        Assert.Equal(1, code);
        Assert.Contains("(with --set training.micro_batch_size: lots)", stderr);
        Assert.DoesNotContain("   at ", stderr);
    }

    [Fact]
    public void A_set_that_is_not_key_equals_value_is_a_usage_error()
    {
        var (code, stdout, stderr) = RunWithSet("learning_rate");
        Assert.Equal(2, code);
        Assert.Equal("", stdout);
        Assert.Contains("--set `learning_rate` is not KEY=VALUE", stderr);
    }

    private static (int ExitCode, string Stdout, string Stderr) RunWithSet(string assignment)
    {
        using var run = new TempRun();
        return TrainerProcess.Run("train", run.WriteConfig(Trial), "--set", assignment);
    }
}
