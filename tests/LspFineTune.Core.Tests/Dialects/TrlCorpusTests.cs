using LspFineTune.Core.Diagnostics;

namespace LspFineTune.Core.Tests.Dialects;

/// <summary>
/// Conformance on the TRL-style corpus (tests/corpus/trl: alignment-handbook@925acdf recipes, open-r1@1416fa0 recipes,
/// TRL's examples/cli_configs/example_config.yaml): each training config is read as `trl`, gets no schema error unless
/// upstream itself would refuse it, gets an estimate whenever its model is known, and matches its golden baseline.
/// </summary>
public class TrlCorpusTests
{
    /// <summary>open-r1's recipes/dataset_filtering/* configure vLLM generation for pass-rate filtering
    /// (scripts/pass_rate_filtering/compute_pass_rate.py), not a training run: they are deliberately left alone.</summary>
    private static bool IsGenerationConfig(string file) => file.StartsWith("open-r1__recipes__dataset_filtering__", StringComparison.Ordinal);

    /// <summary>Files whose schema errors are real upstream mistakes (each verified against the dataclasses the recipe's
    /// script parses).</summary>
    private static readonly Dictionary<string, string> UpstreamMistakes = new()
    {
        ["alignment-handbook__recipes__smollm3__sft__sft.yaml"] = "`packing_strategy: ffd`: trl@f2cd577 knows bfd, bfd_split and wrapped (sft_config.py 232; pack_dataset in data_utils.py 848-905 raises on others)",
        ["alignment-handbook__recipes__zephyr-7b-beta__dpo__config_qlora.yaml"] = "`dataset_mixer`/`dataset_splits`: handbook@925acdf's ScriptArguments has only dataset_mixture (src/alignment/configs.py 83), so TrlParser refuses them",
        ["alignment-handbook__tests__fixtures__config_dpo_full.yaml"] = "`dataset_mixer`/`dataset_splits` (the handbook's old keys, as above)",
        ["alignment-handbook__tests__fixtures__config_sft_full.yaml"] = "`dataset_mixer`/`dataset_splits` (the handbook's old keys, as above)",
        ["open-r1__recipes__Qwen2.5-Coder-7B-Instruct__grpo__config_codeforces.yaml"] = "`vllm_device`: neither trl@f2cd577's GRPOConfig nor open-r1@1416fa0's subclass (src/open_r1/configs.py) declares it",
    };

    public static IEnumerable<object[]> TrlFiles() => CorpusConformanceTests.Files("trl");

    [Theory]
    [MemberData(nameof(TrlFiles))]
    public void Trl_recipes_are_read_as_trl_with_only_upstream_mistakes_reported(string file)
    {
        var analysis = CorpusConformanceTests.Analyze("trl", file);
        if (IsGenerationConfig(file))
        {
            Assert.Null(analysis.Dialect);
            Assert.Empty(analysis.Diagnostics);
            return;
        }
        Assert.Equal("trl", analysis.Dialect?.Id);
        var schemaErrors = analysis.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error && d.Code.StartsWith("LFT01", StringComparison.Ordinal)).ToList();
        if (UpstreamMistakes.ContainsKey(file))
            Assert.NotEmpty(schemaErrors);
        else
            Assert.True(schemaErrors.Count == 0, $"{file}: unexpected schema errors: {string.Join(" | ", schemaErrors.Select(d => $"{d.Range.Start.Line + 1}: {d.Message}"))}");
        if (analysis.Estimate is null)
            Assert.Contains(analysis.Diagnostics, d => d.Code is DiagnosticCodes.UnknownModel or DiagnosticCodes.ModelPathUnreadable);
        Baseline.Verify("trl", file, Baseline.Describe(file, analysis));
    }

    [Fact]
    public void Every_recipe_whose_model_the_catalog_knows_is_estimated()
    {
        var analyses = TrlFiles().Select(f => (string)f[0]).Where(f => !IsGenerationConfig(f)).Select(f => CorpusConformanceTests.Analyze("trl", f)).ToList();
        var known = analyses.Count(a => !a.Diagnostics.Any(d => d.Code == DiagnosticCodes.UnknownModel));
        Assert.Equal(known, analyses.Count(a => a.Estimate is not null));
        Assert.True(known >= 10, $"only {known} of {analyses.Count} TRL recipes name a model the catalog knows");
    }
}
