using LspFineTune.Trainer.Training;

namespace LspFineTune.Trainer.Tests;

/// <summary>Stopping and resuming must not change the trajectory for any optimizer's state (moments, subspaces, masks).</summary>
public sealed class ResumeEveryOptimizerTests
{
    public static TheoryData<string> Setups => new()
    {
        "method: { type: full }\noptimizer: { type: adarankgrad, learning_rate: 1.0e-3, lr_scheduler: constant, adarankgrad: { max_rank: 8, energy_threshold: 0.9 } }",
        "method: { type: full }\noptimizer: { type: sgd, learning_rate: 5.0e-2, lr_scheduler: constant }",
        "method: { type: zeroth_order, zeroth_order: { epsilon: 1.0e-3, trainable_fraction: 0.05 } }\noptimizer: { type: zo_sgd, learning_rate: 5.0e-4, lr_scheduler: constant }",
        "method: { type: zeroth_order, zeroth_order: { epsilon: 1.0e-3, parameters: lora }, lora: { rank: 4, alpha: 8, dropout: 0.1, target_modules: [q_proj, v_proj] } }\noptimizer: { type: zo_sgd, learning_rate: 1.0e-3, weight_decay: 0.1, lr_scheduler: constant }",
    };

    [Fact]
    public void A_SensZOQ_run_on_an_NF4_base_resumes_exactly_too()
    {
        const string sections = "method: { type: zeroth_order, zeroth_order: { epsilon: 1.0e-3, trainable_fraction: 0.01 } }\noptimizer: { type: zo_sgd, learning_rate: 5.0e-4, lr_scheduler: constant }\ntraining: { micro_batch_size: 4, sequence_length: 48, seed: 6 }";
        using var straight = new TempRun();
        var expected = new StringWriter();
        new TrainingSession(new TrainOptions { ConfigPath = straight.WriteConfig(sections, quantization: "nf4"), MaxSteps = 24 }, expected, TextWriter.Null).Run();
        using var split = new TempRun();
        var config = split.WriteConfig(sections, quantization: "nf4");
        new TrainingSession(new TrainOptions { ConfigPath = config, MaxSteps = 12 }, TextWriter.Null, TextWriter.Null).Run();
        var resumed = new StringWriter();
        new TrainingSession(new TrainOptions { ConfigPath = config, MaxSteps = 24, Resume = true }, resumed, TextWriter.Null).Run();
        var expectedLosses = new MetricsLines(expected.ToString()).Events("step").Where(e => e["step"]!.GetValue<long>() > 12).Select(e => e["loss"]!.GetValue<double>()).ToList();
        var resumedLosses = new MetricsLines(resumed.ToString()).Events("step").Select(e => e["loss"]!.GetValue<double>()).ToList();
        Assert.Equal(expectedLosses, resumedLosses);
    }

    [Theory]
    [MemberData(nameof(Setups))]
    public void Stopping_at_a_checkpoint_and_resuming_repeats_the_uninterrupted_losses(string methodAndOptimizer)
    {
        var sections = methodAndOptimizer + "\ntraining: { micro_batch_size: 4, sequence_length: 48, seed: 6 }";
        using var straight = new TempRun();
        var expected = new StringWriter();
        new TrainingSession(new TrainOptions { ConfigPath = straight.WriteConfig(sections), MaxSteps = 24 }, expected, TextWriter.Null).Run();

        using var split = new TempRun();
        var config = split.WriteConfig(sections);
        // A constant rate makes a 12-step run the first half of the 24-step one; its last step is checkpointed.
        new TrainingSession(new TrainOptions { ConfigPath = config, MaxSteps = 12 }, TextWriter.Null, TextWriter.Null).Run();
        var resumed = new StringWriter();
        new TrainingSession(new TrainOptions { ConfigPath = config, MaxSteps = 24, Resume = true }, resumed, TextWriter.Null).Run();

        var expectedLosses = new MetricsLines(expected.ToString()).Events("step").ToDictionary(e => e["step"]!.GetValue<long>(), e => e["loss"]!.GetValue<double>());
        var resumedSteps = new MetricsLines(resumed.ToString()).Events("step").ToList();
        Assert.Equal(12, resumedSteps.Count);
        var differing = resumedSteps.Where(s => expectedLosses[s["step"]!.GetValue<long>()] != s["loss"]!.GetValue<double>())
            .Select(s => $"step {s["step"]}: {expectedLosses[s["step"]!.GetValue<long>()]:R} vs {s["loss"]!.GetValue<double>():R}").ToList();
        Assert.True(differing.Count == 0, "resumed losses differ: " + string.Join("; ", differing));
    }
}
