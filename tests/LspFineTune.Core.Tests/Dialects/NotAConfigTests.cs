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
}
