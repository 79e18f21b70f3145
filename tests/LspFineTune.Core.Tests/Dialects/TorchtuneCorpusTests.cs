using LspFineTune.Core.Diagnostics;

namespace LspFineTune.Core.Tests.Dialects;

/// <summary>
/// Conformance on torchtune's own recipe configs (tests/corpus/torchtune, byte copies of recipes/configs/** at
/// pytorch/torchtune@bd2a0fc): each is recognised as torchtune, gets no error from `tune validate`'s check unless
/// upstream itself is wrong (the list below says why), gets an estimate whenever it trains a model the estimate knows,
/// and matches its golden baseline. Evaluation, generation and quantization configs are claimed (their components are
/// checked) but train nothing, so they get no estimate and no finding about one.
/// </summary>
public class TorchtuneCorpusTests
{
    /// <summary>Files with a real upstream mistake that torchtune itself would trip over (verified at bd2a0fc).</summary>
    private static readonly Dictionary<string, string> UpstreamMistakes = new()
    {
        ["recipes__configs__eleuther_evaluation.yaml"] = "`apply_chat_template: False`: recipes/eleuther_eval.py 487 reads `chat_template`, so the key has no effect (an error with the did-you-mean)",
        ["recipes__configs__qwen2_5__14B_to_7B_KD_lora_single_device.yaml"] = "`torchtune.models.qwen2_5.lora_qwen2_5_7b` does not exist (qwen2_5/__init__.py has lora_qwen2_5_7b_base and _instruct): a warning with the did-you-mean",
    };

    /// <summary>Recipes that run no training step.</summary>
    private static readonly string[] NotTraining = ["eleuther_eval", "generate", "quantize", "dev/generate_v2", "dev/generate_v2_distributed"];

    public static IEnumerable<object[]> Files() => CorpusConformanceTests.Files("torchtune");

    [Theory]
    [MemberData(nameof(Files))]
    public void Torchtune_configs_are_read_as_torchtune_with_only_upstream_mistakes_reported(string file)
    {
        var analysis = CorpusConformanceTests.Analyze("torchtune", file);
        Assert.Equal("torchtune", analysis.Dialect?.Id);
        var validation = analysis.Diagnostics.Where(d => d.Code.StartsWith("LFT01", StringComparison.Ordinal)).ToList();
        if (UpstreamMistakes.ContainsKey(file))
            Assert.NotEmpty(validation);
        else
            Assert.True(validation.Count == 0, $"{file}: unexpected findings: {string.Join(" | ", validation.Select(d => $"{d.Range.Start.Line + 1}: {d.Message}"))}");
        var binding = (Core.Dialects.Torchtune.TorchtuneBinding)analysis.Binding!;
        if (binding.Recipe is { Trains: false })
        {
            Assert.Contains(binding.Recipe.Name, NotTraining);
            Assert.Null(analysis.Estimate);
            Assert.DoesNotContain(analysis.Diagnostics, d => d.Severity == DiagnosticSeverity.Error && !UpstreamMistakes.ContainsKey(file));
        }
        else if (analysis.Estimate is null)
        {
            Assert.Contains(analysis.Diagnostics, d => d.Code is DiagnosticCodes.UnknownModel or DiagnosticCodes.ModelPathUnreadable);
        }
        Baseline.Verify("torchtune", file, Baseline.Describe(file, analysis));
    }

    [Fact]
    public void Most_torchtune_training_configs_are_estimated()
    {
        var analyses = Files().Select(f => CorpusConformanceTests.Analyze("torchtune", (string)f[0])).ToList();
        var training = analyses.Where(a => ((Core.Dialects.Torchtune.TorchtuneBinding)a.Binding!).Recipe is not { Trains: false }).ToList();
        Assert.Equal(179, training.Count);
        var estimated = training.Count(a => a.Estimate is not null);
        Assert.True(estimated >= 150, $"only {estimated} of {training.Count} torchtune training configs are estimated");
    }
}
