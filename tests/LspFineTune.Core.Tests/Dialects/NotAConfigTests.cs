namespace LspFineTune.Core.Tests.Dialects;

/// <summary>A YAML or JSON file that is not a training config must never get a squiggle (tests/corpus/not-configs).</summary>
public class NotAConfigTests
{
    public static IEnumerable<object[]> Files() => CorpusConformanceTests.Files("not-configs");

    [Theory]
    [MemberData(nameof(Files))]
    public void Files_that_are_not_training_configs_are_left_alone(string file)
    {
        var path = Path.Combine(TestRepository.Corpus("not-configs"), file);
        var analysis = ConfigAnalyzer.AnalyzeFile(path, File.ReadAllText(path));
        Assert.Null(analysis.Dialect);
        Assert.Empty(analysis.Diagnostics);
        Assert.Null(analysis.Estimate);
    }

    [Theory]
    [InlineData("notes.yaml", "key: [unclosed\n")]
    [InlineData("broken.json", "{\"a\": ")]
    [InlineData("tabs.yml", "a:\n\tb: 1\n")]
    public void A_broken_file_that_no_dialect_claims_gets_no_syntax_errors_either(string name, string text)
    {
        var analysis = ConfigAnalyzer.AnalyzeFile(Path.Combine(Path.GetTempPath(), name), text);
        Assert.Null(analysis.Dialect);
        Assert.Empty(analysis.Diagnostics);
    }

    [Fact]
    public void A_large_data_file_is_not_parsed_unless_something_says_it_is_a_config()
    {
        var rows = string.Concat(Enumerable.Range(0, 60_000).Select(i => $"{{\"base_model\": \"m{i}\", \"sequence_len\": {i}, \"text\": \"example number {i}\"}},\n"));
        var data = "[\n" + rows + "{}]\n";
        Assert.True(data.Length > ConfigAnalyzer.MaxUnmarkedConfigCharacters);
        var analysis = ConfigAnalyzer.AnalyzeFile(Path.Combine(Path.GetTempPath(), "train.json"), data);
        Assert.Null(analysis.Dialect);
        Assert.Null(analysis.Tree.Root);
        var forced = ConfigAnalyzer.AnalyzeFile(Path.Combine(Path.GetTempPath(), "train.json"), data, new AnalysisOptions { Dialect = "deepspeed" });
        Assert.Equal("deepspeed", forced.Dialect?.Id);
    }

    [Fact]
    public void An_application_config_with_a_model_section_is_not_a_native_config()
    {
        const string text = "service:\n  name: recommender\nmodel:\n  name: two-tower-v3\n  path: s3://models/two-tower\nlearning_rate: 0.001\n";
        Assert.Null(ConfigAnalyzer.AnalyzeFile(Path.Combine(Path.GetTempPath(), "settings.yaml"), text).Dialect);
        // A native config with a misspelt section is still one, so the typo is reported.
        var typo = ConfigAnalyzer.AnalyzeFile(Path.Combine(Path.GetTempPath(), "train.yaml"), "model:\n  name: llama-2-7b\ntrainig:\n  micro_batch_size: 2\n");
        Assert.Equal("native", typo.Dialect?.Id);
        Assert.Contains(typo.Diagnostics, d => d.Code == Diagnostics.DiagnosticCodes.UnknownKey);
    }

    [Fact]
    public void A_markdown_model_card_with_yaml_front_matter_is_left_alone()
    {
        const string text = "---\nbase_model: meta-llama/Llama-3.1-8B\nsequence_len: 4096\nadapter: lora\n---\n# My fine-tune\n";
        Assert.Null(ConfigAnalyzer.AnalyzeFile(Path.Combine(Path.GetTempPath(), "README.md"), text).Dialect);
        Assert.Equal("axolotl", ConfigAnalyzer.AnalyzeFile(Path.Combine(Path.GetTempPath(), "README.md"), "# lft: dialect=axolotl\n" + text.Replace("---\n", "")).Dialect?.Id);
    }
}
