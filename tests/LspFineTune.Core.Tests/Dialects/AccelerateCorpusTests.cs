using LspFineTune.Core.Diagnostics;
using LspFineTune.Core.Dialects;

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

    /// <summary>Each file as the launch file of an axolotl config with no sharding of its own: the processes it starts are
    /// the GPUs, and its plugin is the plan's sharding.</summary>
    [Theory]
    [MemberData(nameof(Files))]
    public void Accelerate_configs_launch_an_axolotl_config_with_their_processes_and_plugin(string file)
    {
        var corpus = TestRepository.Corpus("accelerate");
        using var files = new DialectTestFiles();
        files.Write("config.yml", $"# lft: gpu=h100-sxm accelerate={Path.Combine(corpus, file)}\nbase_model: meta-llama/Llama-3.2-1B\nsequence_len: 1024\nmicro_batch_size: 1\nlearning_rate: 0.0001\n");
        var analysis = files.Analyze("config.yml", new AnalysisOptions { Binding = new Core.Planning.BindingOptions { AccelerateDefaultConfig = null } });
        var text = File.ReadAllText(Path.Combine(corpus, file));
        var processes = System.Text.RegularExpressions.Regex.Match(text, @"(?m)^num_processes: (\d+)") is { Success: true } m ? int.Parse(m.Groups[1].Value) : (int?)null;
        var single = System.Text.RegularExpressions.Regex.IsMatch(text, @"(?m)^distributed_type: ['""]?NO\b");
        var cpu = System.Text.RegularExpressions.Regex.IsMatch(text, @"(?m)^(distributed_type: MULTI_CPU|use_cpu: true)");
        var plan = analysis.Plan!;
        Assert.Equal(single || cpu || processes is null ? 1 : processes.Value, plan.Hardware.TotalGpus);
        Assert.Contains(analysis.Companions, c => c.DialectId == "accelerate");
        if (System.Text.RegularExpressions.Regex.IsMatch(text, @"(?m)^distributed_type: FSDP"))
            Assert.Equal(ValueOrigin.LaunchFile, analysis.Provenance.Of(PlanField.ZeroStage).Origin);
    }
}
