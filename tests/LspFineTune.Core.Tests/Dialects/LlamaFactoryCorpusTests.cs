using LspFineTune.Core.Diagnostics;

namespace LspFineTune.Core.Tests.Dialects;

/// <summary>
/// Conformance on LLaMA-Factory's upstream examples (tests/corpus/llamafactory and llamafactory-v1, byte copies from
/// hiyouga/LLaMA-Factory@ff6d4d1): each training config is recognised, gets no schema error unless LLaMA-Factory itself
/// would refuse it (the list below says why), gets an estimate whenever its model is known, and matches its baseline.
/// Files that are not training configs are handled deliberately: inference, export and prediction configs are claimed
/// (they are LLaMA-Factory's, and validated) with one information instead of an estimate; the special-tokens file and
/// v1's dataset descriptions are not configs of any dialect and stay unclaimed.
/// </summary>
public class LlamaFactoryCorpusTests
{
    /// <summary>Files whose schema errors are real upstream mistakes (verified against LF@ff6d4d1's dataclasses).</summary>
    private static readonly Dictionary<string, string> UpstreamMistakes = new()
    {
    };

    /// <summary>Claimed, but they train nothing: `llamafactory-cli chat`/`export`/`merge` files and a prediction run.</summary>
    private static bool TrainsNothing(string file) =>
        file.StartsWith("examples__inference__", StringComparison.Ordinal)
        || file.StartsWith("examples__merge_lora__", StringComparison.Ordinal)
        || file == "examples__extras__nlg_eval__llama3_lora_predict.yaml"
        || file == "examples__v1__train_lora__export_lora.yaml";

    /// <summary>Not configs: LLaMA-Factory's special-tokens description and v1's dataset descriptions.</summary>
    private static bool NotAConfig(string file) =>
        file == "examples__extras__multi_tokens__tokens_cfg.yaml" || file.StartsWith("data__v1_", StringComparison.Ordinal);

    public static IEnumerable<object[]> ClassicFiles() => CorpusConformanceTests.Files("llamafactory");

    public static IEnumerable<object[]> V1Files() => CorpusConformanceTests.Files("llamafactory-v1");

    [Theory]
    [MemberData(nameof(ClassicFiles))]
    public void Classic_examples_are_read_as_llamafactory_with_only_upstream_mistakes_reported(string file) => Check("llamafactory", file);

    [Theory]
    [MemberData(nameof(V1Files))]
    public void V1_examples_are_read_as_llamafactory_v1_with_only_upstream_mistakes_reported(string file) => Check("llamafactory-v1", file);

    [Fact]
    public void Every_training_example_whose_model_the_catalog_knows_is_estimated()
    {
        var analyses = new[] { "llamafactory", "llamafactory-v1" }
            .SelectMany(dialect => CorpusConformanceTests.Files(dialect).Select(f => (string)f[0]).Where(f => !NotAConfig(f) && !TrainsNothing(f)).Select(f => CorpusConformanceTests.Analyze(dialect, f)))
            .ToList();
        var known = analyses.Count(a => !a.Diagnostics.Any(d => d.Code == DiagnosticCodes.UnknownModel));
        Assert.Equal(known, analyses.Count(a => a.Estimate is not null));
        Assert.True(known >= 12, $"only {known} of {analyses.Count} LLaMA-Factory examples name a model the catalog knows");
    }

    private static void Check(string dialect, string file)
    {
        var analysis = CorpusConformanceTests.Analyze(dialect, file);
        if (NotAConfig(file))
        {
            Assert.Null(analysis.Dialect);
            Assert.Empty(analysis.Diagnostics);
            return;
        }
        Assert.Equal(dialect, analysis.Dialect?.Id);
        var schemaErrors = analysis.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error && d.Code.StartsWith("LFT01", StringComparison.Ordinal)).ToList();
        if (UpstreamMistakes.ContainsKey(file))
            Assert.NotEmpty(schemaErrors);
        else
            Assert.True(schemaErrors.Count == 0, $"{file}: unexpected schema errors: {string.Join(" | ", schemaErrors.Select(d => $"{d.Range.Start.Line + 1}: {d.Message}"))}");
        if (TrainsNothing(file))
        {
            Assert.Null(analysis.Plan);
            Assert.DoesNotContain(analysis.Diagnostics, d => d.Severity is DiagnosticSeverity.Error or DiagnosticSeverity.Warning);
            Assert.Contains(analysis.Diagnostics, d => d.Code == DiagnosticCodes.NotModelled && d.Message.Contains("trains nothing", StringComparison.Ordinal));
        }
        else if (analysis.Estimate is null)
        {
            // The only reason for no estimate is a model the catalog lacks.
            Assert.Contains(analysis.Diagnostics, d => d.Code is DiagnosticCodes.UnknownModel or DiagnosticCodes.ModelPathUnreadable);
        }
        Baseline.Verify(dialect, file, Baseline.Describe(file, analysis));
    }
}
