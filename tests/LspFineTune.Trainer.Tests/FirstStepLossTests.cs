using System.Text.Json.Nodes;
using LspFineTune.Trainer.Training;

namespace LspFineTune.Trainer.Tests;

/// <summary>
/// The numerics bar: lft-train's first-step loss equals PyTorch's on the same batch and weights within 1e-5, per
/// variant. Data/first-step-loss-reference.json is written by bench/pytorch/first_step_loss.py (it feeds PyTorch
/// the batch lft-train dumps with --dump-first-batch); CI has no torch, so the reference values are recorded there.
/// </summary>
public sealed class FirstStepLossTests
{
    private const double Tolerance = 1e-5;

    private static string DataFile => Path.Combine(RepositoryPaths.Root, "tests", "LspFineTune.Trainer.Tests", "Data", "first-step-loss-reference.json");

    public static TheoryData<string> Variants()
    {
        var data = new TheoryData<string>();
        foreach (var record in JsonNode.Parse(File.ReadAllText(DataFile))!["results"]!.AsArray())
            data.Add(record!["variant"]!.GetValue<string>());
        return data;
    }

    [Fact]
    public void The_dumped_first_batch_is_the_batch_of_the_config_with_next_token_labels()
    {
        using var run = new TempRun();
        var config = run.WriteConfig("""
            method:
              type: full
            training:
              micro_batch_size: 4
              sequence_length: 64
              max_steps: 1
              packing: true
            """);
        var dump = Path.Combine(run.Directory, "batch.json");

        new TrainingSession(new TrainOptions { ConfigPath = config, OutputDirectory = run.Output, StepsOnly = true, FirstBatchPath = dump }, TextWriter.Null, TextWriter.Null).Run();

        var batch = JsonNode.Parse(File.ReadAllText(dump))!;
        var inputs = batch["inputs"]!.AsArray().Select(r => r!.AsArray().Select(v => v!.GetValue<long>()).ToArray()).ToList();
        var labels = batch["labels"]!.AsArray().Select(r => r!.AsArray().Select(v => v!.GetValue<long>()).ToArray()).ToList();
        Assert.Equal(4, inputs.Count);
        Assert.All(inputs, row => Assert.Equal(64, row.Length));
        // Each label is the next input token or -100 (not scored): what PyTorch needs to score the same positions.
        for (var row = 0; row < inputs.Count; row++)
        {
            for (var t = 0; t + 1 < inputs[row].Length; t++)
                Assert.True(labels[row][t] == -100 || labels[row][t] == inputs[row][t + 1], $"row {row}, position {t}: label {labels[row][t]}, next input {inputs[row][t + 1]}");
        }
        Assert.Contains("model.embed_tokens.weight", batch["parameters"]!.AsArray().Select(n => n!.GetValue<string>()));
    }

    [Theory]
    [MemberData(nameof(Variants))]
    public void The_first_step_loss_equals_the_pytorch_reference_on_the_same_batch(string variant)
    {
        var record = JsonNode.Parse(File.ReadAllText(DataFile))!["results"]!.AsArray().Single(r => r!["variant"]!.GetValue<string>() == variant)!;
        var expected = record["pytorch_first_step_loss"]!.GetValue<double>();
        using var run = new TempRun();
        // The recorded config names the model and data relative to the data folder; this one sits in a temp folder.
        var config = Path.Combine(run.Directory, "first.lft.yaml");
        File.WriteAllText(config, record["config"]!.GetValue<string>().Replace("../../../examples/", RepositoryPaths.Examples() + "/", StringComparison.Ordinal));

        // As users run it: its own process, so with what lft-train preloads (tcmalloc, MKL's kernel choice on AMD).
        var (code, stdout, stderr) = TrainerProcess.Run("train", config, "--output", run.Output, "--max-steps", "1");

        Assert.True(code == 0, stderr);
        var loss = new MetricsLines(stdout).Events("step").First()["loss"]!.GetValue<double>();
        Assert.True(Math.Abs(loss - expected) <= Tolerance, $"{variant}: lft-train's first-step loss {loss:F7}, PyTorch's {expected:F7} (difference {Math.Abs(loss - expected):E2})");
    }
}
