using LspFineTune.Core.Diagnostics;
using LspFineTune.Core.Dialects;
using LspFineTune.Core.Schema;
using LspFineTune.Core.Syntax;

namespace LspFineTune.Core.Tests.Dialects;

/// <summary>
/// The generated schemas of LLaMA-Factory (classic and v1), TRL and accelerate (schemas/*.schema.json, see
/// scripts/schemas/README.md) against the upstream examples in tests/corpus: no schema error in any file except the
/// upstream mistakes listed below (each checked against the pinned upstream source), and an error for the mistakes
/// users make.
/// </summary>
public class DialectSchemaCorpusTests
{
    /// <summary>Corpus folder -> file -> why upstream itself refuses it (a key or value that the pinned version rejects).</summary>
    private static readonly Dictionary<string, Dictionary<string, string>> UpstreamMistakes = new()
    {
        ["llamafactory"] = new()
        {
            ["examples__extras__multi_tokens__tokens_cfg.yaml"] = "a token list for `add_tokens` (a mapping of token to description), not a config: every key is unknown to parse_dict",
        },
        ["llamafactory-v1"] = new(),
        ["trl"] = new()
        {
            ["alignment-handbook__recipes__smollm3__sft__sft.yaml"] = "`packing_strategy: ffd`: trl@f2cd577 renamed it to bfd; pack_dataset raises on ffd (trl/data_utils.py 905)",
            ["alignment-handbook__recipes__zephyr-7b-beta__dpo__config_qlora.yaml"] = "`dataset_mixer`/`dataset_splits`: the handbook@925acdf ScriptArguments has only dataset_mixture (src/alignment/configs.py 83)",
            ["alignment-handbook__tests__fixtures__config_dpo_full.yaml"] = "`dataset_mixer`/`dataset_splits` (old handbook keys, see above)",
            ["alignment-handbook__tests__fixtures__config_sft_full.yaml"] = "`dataset_mixer`/`dataset_splits` (old handbook keys, see above)",
            ["open-r1__recipes__Qwen2.5-Coder-7B-Instruct__grpo__config_codeforces.yaml"] = "`vllm_device`: GRPOConfig has no such field at trl@f2cd577 (nor does open-r1's subclass); TrlParser would pass it to the script as an unknown argument",
        },
        ["accelerate"] = new()
        {
            ["accelerate__tests__test_configs__invalid_keys.yaml"] = "deliberately invalid: BaseConfig.from_yaml_file raises on `invalid_key`/`another_invalid_key` (config_args.py 173)",
        },
    };

    /// <summary>Files in a corpus folder that are not configs of that dialect at all.</summary>
    private static readonly Dictionary<string, Func<string, bool>> NotConfigs = new()
    {
        // data/v1_*_demo.yaml describe datasets (name -> path/columns); a v1 config points at them with train_dataset.
        ["llamafactory-v1"] = file => file.StartsWith("data__", StringComparison.Ordinal),
    };

    private static readonly Dictionary<string, string> SchemaOf = new()
    {
        ["llamafactory"] = "llamafactory",
        ["llamafactory-v1"] = "llamafactory-v1",
        ["trl"] = "trl",
        ["accelerate"] = "accelerate",
    };

    private static readonly Dictionary<string, SchemaValidator> Validators = SchemaOf.Values.Distinct()
        .ToDictionary(id => id, id => SchemaResources.Validator(id) ?? throw new InvalidOperationException($"schemas/{id}.schema.json is not embedded"));

    public static IEnumerable<object[]> CorpusFiles() =>
        SchemaOf.Keys.SelectMany(folder => Directory.EnumerateFiles(TestRepository.Corpus(folder))
            .Select(Path.GetFileName)
            .Where(f => !(NotConfigs.TryGetValue(folder, out var skip) && skip(f!)))
            .Order(StringComparer.Ordinal)
            .Select(f => new object[] { folder, f! }));

    private static List<Diagnostic> SchemaErrors(string schemaId, string text) =>
        [.. Validators[schemaId].Validate(ConfigParser.Parse(text)).Where(d => d.Severity == DiagnosticSeverity.Error)];

    [Theory]
    [MemberData(nameof(CorpusFiles))]
    public void Upstream_examples_have_no_schema_errors_except_upstream_mistakes(string folder, string file)
    {
        var errors = SchemaErrors(SchemaOf[folder], File.ReadAllText(Path.Combine(TestRepository.Corpus(folder), file)));
        if (UpstreamMistakes[folder].ContainsKey(file))
            Assert.NotEmpty(errors);
        else
            Assert.True(errors.Count == 0, $"{folder}/{file}: {string.Join(" | ", errors.Select(d => $"{d.Range.Start.Line + 1}: {d.Message}"))}");
    }

    [Fact]
    public void Every_listed_upstream_mistake_is_a_corpus_file()
    {
        foreach (var (folder, files) in UpstreamMistakes)
        {
            foreach (var file in files.Keys)
                Assert.True(File.Exists(Path.Combine(TestRepository.Corpus(folder), file)), $"{folder}/{file}");
        }
    }

    [Theory]
    [InlineData("trl", "model_name_or_path: Qwen/Qwen3-0.6B\nper_device_train_bach_size: 4\n", "per_device_train_bach_size")]
    [InlineData("llamafactory", "model_name_or_path: Qwen/Qwen3-0.6B\nstage: sft\nfinetuning_type: lora\nlora_rnak: 8\n", "lora_rnak")]
    [InlineData("llamafactory", "model_name_or_path: Qwen/Qwen3-0.6B\nper_device_train_bach_size: 4\n", "per_device_train_bach_size")]
    [InlineData("accelerate", "distributed_type: MULTI_GPU\nnum_proceses: 8\n", "num_proceses")]
    [InlineData("llamafactory-v1", "model: Qwen/Qwen3-0.6B\nmicro_bach_size: 1\n", "micro_bach_size")]
    public void A_misspelt_key_is_an_error_naming_it(string schemaId, string yaml, string key)
    {
        var errors = SchemaErrors(schemaId, yaml);
        Assert.Contains(errors, e => e.Code == DiagnosticCodes.UnknownKey && e.Message.Contains(key, StringComparison.Ordinal));
    }

    [Theory]
    [InlineData("llamafactory", "model_name_or_path: Qwen/Qwen3-0.6B\nfinetuning_type: qlora\n")]
    [InlineData("llamafactory", "model_name_or_path: Qwen/Qwen3-0.6B\noptim: adamw\n")]
    [InlineData("trl", "model_name_or_path: Qwen/Qwen3-0.6B\noptim: adamw\n")]
    [InlineData("trl", "model_name_or_path: Qwen/Qwen3-0.6B\nlr_scheduler_type: cosine_annealing\n")]
    [InlineData("accelerate", "distributed_type: FSDP2\nnum_processes: 8\n")]
    [InlineData("accelerate", "distributed_type: FSDP\nmixed_precision: bfloat16\n")]
    [InlineData("llamafactory-v1", "model: Qwen/Qwen3-0.6B\nbatching_strategy: packing\n")]
    public void A_value_outside_the_upstream_choices_is_an_error(string schemaId, string yaml)
    {
        Assert.NotEmpty(SchemaErrors(schemaId, yaml));
    }

    /// <summary>`distributed_type` takes the values of two enums (SageMaker's and the cluster's) or false: a wrong value
    /// is told all of them, with the did-you-mean from any.</summary>
    [Fact]
    public void A_value_of_several_enums_is_told_every_allowed_value()
    {
        var error = Assert.Single(SchemaErrors("accelerate", "distributed_type: FSDP2\nnum_processes: 8\n"));
        Assert.Contains("MULTI_GPU", error.Message, StringComparison.Ordinal);
        Assert.Contains("DATA_PARALLEL", error.Message, StringComparison.Ordinal);
        Assert.EndsWith("Did you mean `FSDP`?", error.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("llamafactory", "compute_dtype: bfloat16\n")]
    [InlineData("llamafactory", "model_max_length: 4096\n")]
    [InlineData("llamafactory-v1", "peft_config:\n  r: 8\n")]
    [InlineData("trl", "gradient_checkpointing: maybe\n")]
    [InlineData("trl", "per_device_train_batch_size: 1.5\n")]
    public void A_value_upstream_refuses_is_an_error(string schemaId, string yaml)
    {
        Assert.NotEmpty(SchemaErrors(schemaId, yaml));
    }

    [Theory]
    [InlineData("trl", "learning_rate: '5e-5'\nper_device_train_batch_size: '4'\nbf16: 'yes'\n")] // argparse converts string defaults
    [InlineData("trl", "lora_target_modules: all-linear\nreport_to: none\nfsdp: full_shard auto_wrap\n")]
    [InlineData("trl", "gradient_checkpointing_kwargs:\n  use_reentrant: false\nmodel_init_kwargs: '{\"device_map\": \"auto\"}'\ndeepspeed: ds.json\n")]
    [InlineData("trl", "scale_rewards: false\nnum_processes: 4\naccelerate_config: zero3\nenv:\n  WANDB_PROJECT: x\n")]
    [InlineData("llamafactory", "lora_target: q_proj,v_proj\nlearning_rate: 1.0e-4\nmax_samples: null\npacking: yes\n")]
    [InlineData("llamafactory-v1", "peft_config:\n  name: lora\n  r: 16\n  target_modules: all\ndist_config:\n  name: deepspeed\n  config_file: ds.json\n")]
    [InlineData("accelerate", "distributed_type: false\nmixed_precision: false\nfsdp_config:\n  fsdp_version: 2\n  version: 2\n  fsdp_offload_params: false\n")]
    public void Spellings_upstream_converts_are_accepted(string schemaId, string yaml)
    {
        var errors = SchemaErrors(schemaId, yaml);
        Assert.True(errors.Count == 0, string.Join(" | ", errors.Select(d => d.Message)));
    }

    [Theory]
    [InlineData("trl", "torch_dtype", "dtype")]
    [InlineData("trl", "max_seq_length", "max_length")]
    [InlineData("trl", "evaluation_strategy", "eval_strategy")]
    [InlineData("trl", "per_gpu_train_batch_size", "per_device_train_batch_size")]
    [InlineData("accelerate", "fp16", "mixed_precision")]
    public void Older_spellings_are_deprecated_with_a_replacement_not_refused(string schemaId, string key, string replacement)
    {
        var annotation = KeyAnnotations.FromJson(SchemaResources.Text(schemaId)!).Find(key);
        Assert.NotNull(annotation);
        Assert.True(annotation.Deprecated);
        Assert.Null(annotation.Removed);
        Assert.Equal(replacement, annotation.Replacement);
    }

    /// <summary>transformers v5 deprecates `warmup_ratio`, but on the 4.x line LLaMA-Factory and TRL also support,
    /// `warmup_steps` is an integer: writing `warmup_steps: 0.1` there would silently drop the warmup.</summary>
    [Theory]
    [InlineData("trl")]
    [InlineData("llamafactory")]
    public void Warmup_ratio_is_not_flagged_as_deprecated(string schemaId)
    {
        var annotation = KeyAnnotations.FromJson(SchemaResources.Text(schemaId)!).Find("warmup_ratio");
        Assert.False(annotation?.Deprecated ?? false);
        Assert.Empty(SchemaErrors(schemaId, "warmup_ratio: 0.1\n"));
    }

    [Theory]
    [InlineData("compute_dtype")]
    [InlineData("device_map")]
    [InlineData("model_max_length")]
    [InlineData("block_diag_attn")]
    public void Fields_llamafactory_sets_itself_are_removed_keys(string key)
    {
        var annotation = KeyAnnotations.FromJson(SchemaResources.Text("llamafactory")!).Find(key);
        Assert.Contains("sets", annotation?.Removed ?? "", StringComparison.Ordinal);
    }
}
