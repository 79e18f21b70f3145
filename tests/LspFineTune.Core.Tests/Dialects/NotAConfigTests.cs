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
}
