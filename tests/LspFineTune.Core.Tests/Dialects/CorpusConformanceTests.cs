using LspFineTune.Core.Diagnostics;
using LspFineTune.Core.Planning;

namespace LspFineTune.Core.Tests.Dialects;

/// <summary>
/// Conformance on upstream example configs (tests/corpus, copied byte for byte from axolotl@067b021 and the DeepSpeed
/// presets of axolotl, LLaMA-Factory, accelerate and transformers; see tests/corpus/README.md): each file is recognised
/// as its dialect, gets no schema error unless upstream itself would refuse or ignore it (the list below says why
/// for each), gets an estimate whenever its model is known, and matches its golden baseline.
/// </summary>
public class CorpusConformanceTests
{
    /// <summary>Files whose schema errors are real upstream mistakes (verified against axolotl@067b021's pydantic models).</summary>
    private static readonly Dictionary<string, string> UpstreamMistakes = new()
    {
        ["examples__archived__cerebras__btlm-ft.yml"] = "`adam_eps` is a typo of adam_epsilon (axolotl drops it)",
        ["examples__archived__jeopardy-bot__config.yml"] = "`tokens:` as a mapping (the field is a list; special tokens go in special_tokens)",
        ["examples__archived__mpt-7b__config.yml"] = "`tokens:` as a mapping",
        ["examples__archived__redpajama__config-3b.yml"] = "`tokens:` as a mapping",
        ["examples__archived__pythia-12b__config.yml"] = "`max_packed_sequence_len` was removed; axolotl refuses it",
        ["examples__expert_parallel__qwen3_30ba3b_ep_fft_4gpu.yaml"] = "`warmup_steps: 0.1` (an integer field)",
        ["examples__expert_parallel__qwen3_30ba3b_ep_fsdp_fft_4gpu.yaml"] = "`warmup_steps: 0.1`",
        ["examples__expert_parallel__qwen3_30ba3b_ep_lora_4gpu.yaml"] = "`warmup_steps: 0.1`",
        ["examples__llama-3__diffusion__sft-1b.yaml"] = "`warmup_steps: 0.1`",
        ["examples__llama-2__relora.yml"] = "`jagged_restart_anneal_steps: false` (an integer field)",
        ["examples__mistral-medium-3_5__qlora-text.yml"] = "empty `output_dir:` (it cannot be null)",
        ["examples__mistral-medium-3_5__qlora-vision.yml"] = "empty `output_dir:`",
        ["examples__archived__stablelm-2__1.6b__fft.yml"] = "`flash_attn_rms_norm` was removed; axolotl refuses it",
        ["examples__archived__stablelm-2__1.6b__lora.yml"] = "`flash_attn_rms_norm` was removed",
        ["examples__falcon-h1__falcon-h1-1b-qlora-cp.yaml"] = "`context_parapllel_size` is a typo of context_parallel_size (axolotl drops it, so the run has no context parallelism)",
        ["examples__llama-2__gptq-lora.yml"] = "`adam_eps` is a typo of adam_epsilon",
    };

    /// <summary>DeepSpeed presets that DeepSpeed@edaa722 itself refuses (its pydantic blocks forbid unknown keys).</summary>
    private static readonly Dictionary<string, string> DeepSpeedUpstreamMistakes = new()
    {
        ["axolotl__deepspeed_configs__zero1_torch_compile.json"] = "`compile: {disable, backend}`: CompileConfig has neither field since DeepSpeed #5581",
        ["axolotl__deepspeed_configs__zero2_torch_compile.json"] = "`compile: {disable, backend}`",
    };

    public static IEnumerable<object[]> Files(string dialect) =>
        Directory.EnumerateFiles(TestRepository.Corpus(dialect)).Select(Path.GetFileName).Order(StringComparer.Ordinal).Select(n => new object[] { n! });

    public static IEnumerable<object[]> AxolotlFiles() => Files("axolotl");

    public static IEnumerable<object[]> DeepSpeedFiles() => Files("deepspeed");

    [Theory]
    [MemberData(nameof(AxolotlFiles))]
    public void Axolotl_examples_are_read_as_axolotl_with_only_upstream_mistakes_reported(string file)
    {
        var analysis = Analyze("axolotl", file);
        // axolotl's cloud launcher files (examples/cloud) configure a cloud run, not a training run.
        if (file.StartsWith("examples__cloud__", StringComparison.Ordinal))
        {
            Assert.Null(analysis.Dialect);
            Assert.Empty(analysis.Diagnostics);
            return;
        }
        Assert.Equal("axolotl", analysis.Dialect?.Id);
        AssertSchemaErrorsAreUpstreamMistakes(file, analysis);
        // An estimate whenever the model is known: the only reason for none is a model the catalog lacks.
        if (analysis.Estimate is null)
            Assert.Contains(analysis.Diagnostics, d => d.Code is DiagnosticCodes.UnknownModel or DiagnosticCodes.ModelPathUnreadable);
        Baseline.Verify("axolotl", file, Baseline.Describe(file, analysis));
    }

    [Theory]
    [MemberData(nameof(DeepSpeedFiles))]
    public void DeepSpeed_presets_are_read_as_deepspeed_with_only_upstream_mistakes_reported(string file)
    {
        var analysis = Analyze("deepspeed", file);
        Assert.Equal("deepspeed", analysis.Dialect?.Id);
        var errors = analysis.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        if (DeepSpeedUpstreamMistakes.ContainsKey(file))
            Assert.All(errors, e => Assert.Contains("`compile`", e.Message));
        else
            Assert.Empty(errors);
        Baseline.Verify("deepspeed", file, Baseline.Describe(file, analysis));
    }

    [Fact]
    public void Every_axolotl_example_whose_model_the_catalog_knows_is_estimated()
    {
        var files = Files("axolotl").Select(f => (string)f[0]).Where(f => !f.StartsWith("examples__cloud__", StringComparison.Ordinal)).ToList();
        var analyses = files.Select(f => Analyze("axolotl", f)).ToList();
        var known = analyses.Count(a => !a.Diagnostics.Any(d => d.Code == DiagnosticCodes.UnknownModel));
        Assert.Equal(known, analyses.Count(a => a.Estimate is not null));
        Assert.True(known >= 70, $"only {known} of {files.Count} axolotl examples name a model the catalog knows");
    }

    internal static ConfigAnalysis Analyze(string dialect, string file)
    {
        var folder = TestRepository.Corpus(dialect);
        var path = Path.Combine(folder, file);
        return ConfigAnalyzer.AnalyzeFile(path, File.ReadAllText(path), new AnalysisOptions
        {
            Binding = new BindingOptions { WorkspaceFolder = folder, Files = WithoutHubCache.Instance },
        });
    }

    private static void AssertSchemaErrorsAreUpstreamMistakes(string file, ConfigAnalysis analysis)
    {
        var schemaErrors = analysis.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error && d.Code.StartsWith("LFT01", StringComparison.Ordinal)).ToList();
        if (UpstreamMistakes.ContainsKey(file))
            Assert.NotEmpty(schemaErrors);
        else
            Assert.True(schemaErrors.Count == 0, $"{file}: unexpected schema errors: {string.Join(" | ", schemaErrors.Select(d => $"{d.Range.Start.Line + 1}: {d.Message}"))}");
    }
}
