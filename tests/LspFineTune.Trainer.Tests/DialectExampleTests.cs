using System.Text.Json.Nodes;
using LspFineTune.Trainer.Training;

namespace LspFineTune.Trainer.Tests;

/// <summary>
/// The axolotl, LLaMA-Factory and TRL copies of the tiny CPU example, trained in place by the bundled trainer from the
/// plan the editor binds (their output goes to a temp folder): each reads its framework's data format, evaluates on its
/// eval dataset, and learns.
/// </summary>
public sealed class DialectExampleTests(Xunit.Abstractions.ITestOutputHelper output)
{
    public static TheoryData<string> Examples => new() { "axolotl/tiny-cpu-lora.yml", "llamafactory/tiny-cpu-lora.yaml", "trl/tiny-cpu-lora.yaml" };

    [Theory]
    [MemberData(nameof(Examples))]
    public void The_dialect_copy_of_the_tiny_example_trains_end_to_end_and_its_eval_loss_falls(string example)
    {
        using var run = new TempRun();
        var config = RepositoryPaths.Examples(example);
        var summary = new TrainingSession(new TrainOptions { ConfigPath = config, OutputDirectory = run.Output }, new StringWriter(), new StringWriter()).Run();
        output.WriteLine($"{example}: eval loss {summary.InitialEvalLoss:F4} -> {summary.FinalEvalLoss:F4}, {summary.Steps} steps, {summary.MeanStepMs:F0} ms/step");
        Assert.Equal(60, summary.Steps);
        Assert.True(summary.FinalEvalLoss < summary.InitialEvalLoss * 0.8, $"eval loss {summary.InitialEvalLoss:F4} -> {summary.FinalEvalLoss:F4}; expected at least 20 % lower");

        // The adapter names the base model as the config does, relative to the config's folder, where it resolves to the
        // model that was trained: AutoPeftModelForCausalLM.from_pretrained(adapter) run from that folder loads it.
        var adapter = JsonNode.Parse(File.ReadAllText(Path.Combine(summary.AdapterDirectory!, PeftAdapter.ConfigFile)))!;
        var named = adapter["base_model_name_or_path"]!.GetValue<string>();
        Assert.Equal("../models/tiny", named);
        Assert.Equal(Path.GetFullPath(TempRun.TinyModel), Path.GetFullPath(Path.Combine(Path.GetDirectoryName(config)!, named)));
    }
}
