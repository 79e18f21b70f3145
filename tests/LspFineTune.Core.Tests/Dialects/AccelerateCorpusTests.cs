using LspFineTune.Core.Diagnostics;

namespace LspFineTune.Core.Tests.Dialects;

/// <summary>
/// Conformance on the 59 upstream accelerate configs (tests/corpus/accelerate: accelerate@16cb6eb's examples and test
/// configs, and the launch files TRL, LLaMA-Factory, open-r1 and the alignment handbook ship): each is recognised as an
/// accelerate config and, naming no model, has no plan; none has an error unless accelerate itself refuses the file
/// (the list below says why for each); each matches its golden baseline.
/// </summary>
public class AccelerateCorpusTests
{
    /// <summary>Files accelerate itself refuses, verified against accelerate@16cb6eb.</summary>
    private static readonly Dictionary<string, string> UpstreamMistakes = new()
    {
        // A test fixture written to fail: config_args.py 158-165 raises "had unknown keys".
        ["accelerate__tests__test_configs__invalid_keys.yaml"] = "`invalid_key` and `another_invalid_key`",
        // `debug: false` twice (lines 2 and 5): PyYAML keeps the later one silently; the duplicate is reported (LFT0003).
        ["accelerate__tests__test_configs__0_30_0_sagemaker.yaml"] = "`debug` written twice",
    };

    public static IEnumerable<object[]> Files() => CorpusConformanceTests.Files("accelerate");

    [Theory]
    [MemberData(nameof(Files))]
    public void Accelerate_configs_are_read_as_accelerate_with_only_upstream_mistakes_reported(string file)
    {
        var analysis = CorpusConformanceTests.Analyze("accelerate", file);
        Assert.Equal("accelerate", analysis.Dialect?.Id);
        Assert.Null(analysis.Plan);
        // Errors in the accelerate file itself (a DeepSpeed JSON it names is checked in its own file).
        var errors = analysis.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error && d.FilePath is null).ToList();
        if (UpstreamMistakes.ContainsKey(file))
            Assert.NotEmpty(errors);
        else
            Assert.True(errors.Count == 0, $"{file}: unexpected errors: {string.Join(" | ", errors.Select(d => $"{d.Range.Start.Line + 1}: {d.Message}"))}");
        Baseline.Verify("accelerate", file, Baseline.Describe(file, analysis));
    }
}
