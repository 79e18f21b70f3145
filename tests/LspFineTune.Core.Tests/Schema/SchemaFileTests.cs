using Newtonsoft.Json.Linq;
using NJsonSchema;

namespace LspFineTune.Core.Tests.Schema;

/// <summary>
/// Checks <c>schemas/lft.schema.json</c> against the config contract (docs: CONFIG.md) and checks that
/// NJsonSchema, which validates configs, accepts and rejects what it should.
/// </summary>
public class SchemaFileTests
{
    /// <summary>Every key in CONFIG.md's YAML block, as a dotted path.</summary>
    public static readonly TheoryData<string> ContractKeyPaths = new()
    {
        "model.name", "model.path", "model.architecture",
        "model.architecture.model_type", "model.architecture.num_hidden_layers", "model.architecture.hidden_size",
        "model.architecture.intermediate_size", "model.architecture.num_attention_heads",
        "model.architecture.num_key_value_heads", "model.architecture.vocab_size",
        "model.architecture.tie_word_embeddings", "model.architecture.num_local_experts",
        "model.architecture.num_experts_per_tok",
        "model.dtype", "model.quantization",
        "hardware.gpu", "hardware.gpus_per_node", "hardware.nodes",
        "method.type",
        "method.lora.rank", "method.lora.alpha", "method.lora.dropout", "method.lora.target_modules",
        "method.zeroth_order.epsilon", "method.zeroth_order.trainable_fraction",
        "optimizer.type", "optimizer.learning_rate", "optimizer.weight_decay", "optimizer.lr_scheduler",
        "optimizer.warmup_steps", "optimizer.adarankgrad.max_rank", "optimizer.adarankgrad.energy_threshold",
        "training.micro_batch_size", "training.gradient_accumulation_steps", "training.sequence_length",
        "training.epochs", "training.max_steps", "training.gradient_checkpointing", "training.attention",
        "training.packing", "training.seed",
        "deepspeed.zero_stage", "deepspeed.offload_optimizer", "deepspeed.offload_params",
        "data.train", "data.eval", "data.num_examples", "data.mean_tokens_per_example",
        "output.dir", "output.save_every_steps", "output.eval_every_steps",
    };

    /// <summary>The full example from CONFIG.md, written as JSON.</summary>
    private const string ContractExample = """
        {
          "model": {
            "name": "meta-llama/Llama-2-7b-hf",
            "dtype": "bf16",
            "quantization": "none"
          },
          "hardware": { "gpu": "a100-80gb", "gpus_per_node": 1, "nodes": 1 },
          "method": {
            "type": "lora",
            "lora": { "rank": 16, "alpha": 32, "dropout": 0.05, "target_modules": ["q_proj", "v_proj"] },
            "zeroth_order": { "epsilon": 1.0e-3, "trainable_fraction": 1.0 }
          },
          "optimizer": {
            "type": "adamw",
            "learning_rate": 2.0e-4,
            "weight_decay": 0.0,
            "lr_scheduler": "cosine",
            "warmup_steps": 0,
            "adarankgrad": { "max_rank": 128, "energy_threshold": 0.9 }
          },
          "training": {
            "micro_batch_size": 4,
            "gradient_accumulation_steps": 8,
            "sequence_length": 4096,
            "epochs": 3,
            "max_steps": null,
            "gradient_checkpointing": false,
            "attention": "sdpa",
            "packing": false,
            "seed": 42
          },
          "deepspeed": { "zero_stage": 0, "offload_optimizer": "none", "offload_params": "none" },
          "data": {
            "train": "./data/train.jsonl",
            "eval": "./data/eval.jsonl",
            "num_examples": null,
            "mean_tokens_per_example": null
          },
          "output": { "dir": "./runs/example", "save_every_steps": 100, "eval_every_steps": 50 }
        }
        """;

    /// <summary>CONFIG.md's inline architecture, with a key the schema does not list.</summary>
    private const string InlineArchitecture = """
        {
          "$schema": "https://lspfinetune.dev/schemas/lft.schema.json",
          "model": {
            "architecture": {
              "model_type": "llama",
              "num_hidden_layers": 32,
              "hidden_size": 4096,
              "intermediate_size": 11008,
              "num_attention_heads": 32,
              "num_key_value_heads": 32,
              "vocab_size": 32000,
              "tie_word_embeddings": false,
              "rope_theta": 10000
            }
          }
        }
        """;

    private static readonly Lazy<Task<JsonSchema>> Schema = new(LoadSchemaAsync);

    [Fact]
    public async Task Schema_is_draft_07_with_its_id_and_requires_model()
    {
        var schema = await Schema.Value;
        var root = JObject.Parse(await File.ReadAllTextAsync(SchemaPath()));

        Assert.Equal("http://json-schema.org/draft-07/schema#", (string?)root["$schema"]);
        Assert.Equal("https://lspfinetune.dev/schemas/lft.schema.json", (string?)root["$id"]);
        Assert.False(string.IsNullOrWhiteSpace(schema.Title));
        Assert.False(string.IsNullOrWhiteSpace(schema.Description));
        Assert.Equal(["model"], schema.RequiredProperties);
        Assert.Equal(
            ["$schema", "model", "hardware", "method", "optimizer", "training", "deepspeed", "data", "output"],
            schema.Properties.Keys);
    }

    [Theory]
    [MemberData(nameof(ContractKeyPaths))]
    public async Task Every_contract_key_is_in_the_schema(string dottedPath)
    {
        JsonSchema current = await Schema.Value;
        foreach (var key in dottedPath.Split('.'))
        {
            Assert.True(current.ActualSchema.Properties.TryGetValue(key, out var property),
                $"'{dottedPath}': no property '{key}'");
            current = property;
        }
    }

    [Fact]
    public async Task Every_property_has_a_description()
    {
        var missing = AllProperties(await Schema.Value)
            .Where(p => !p.Path.StartsWith("model.architecture.", StringComparison.Ordinal))
            .Where(p => string.IsNullOrWhiteSpace(p.Property.Description))
            .Select(p => p.Path)
            .ToList();
        Assert.Empty(missing);
    }

    [Fact]
    public async Task Every_object_except_the_architecture_rejects_unknown_keys()
    {
        var schema = await Schema.Value;
        var open = AllProperties(schema)
            .Where(p => p.Property.ActualSchema.Properties.Count > 0)
            .Where(p => p.Property.ActualSchema.AllowAdditionalProperties)
            .Select(p => p.Path)
            .ToList();

        Assert.False(schema.AllowAdditionalProperties);
        Assert.Equal(["model.architecture"], open);
    }

    [Fact]
    public async Task Every_default_and_example_is_valid_for_its_property()
    {
        var problems = new List<string>();
        foreach (var (path, property) in AllProperties(await Schema.Value))
        {
            if (property.Default is not null)
            {
                problems.AddRange(Check(path, "default", property, property.Default));
            }
            if (property.ExtensionData?.TryGetValue("examples", out var examples) == true && examples is not null)
            {
                foreach (var example in Assert.IsAssignableFrom<IEnumerable<object?>>(examples))
                {
                    problems.AddRange(Check(path, "example", property, example));
                }
            }
        }
        Assert.Empty(problems);

        static IEnumerable<string> Check(string path, string what, JsonSchema property, object? value)
        {
            var token = value as JToken ?? (value is null ? JValue.CreateNull() : JToken.FromObject(value));
            return property.Validate(token).Select(e => $"{path} {what} {token.ToString(Newtonsoft.Json.Formatting.None)}: {e}");
        }
    }

    [Fact]
    public async Task The_contract_example_is_valid()
    {
        Assert.Empty((await Schema.Value).Validate(ContractExample));
    }

    [Fact]
    public async Task An_inline_architecture_accepts_any_config_json_key()
    {
        Assert.Empty((await Schema.Value).Validate(InlineArchitecture));
    }

    [Theory]
    [InlineData("""{"model": {"name": "x"}}""")]
    [InlineData("""{"model": {"path": "./models/tiny", "dtype": "fp16", "quantization": "nf4"}}""")]
    [InlineData("""{"model": {"name": "x"}, "method": {"lora": {"target_modules": "all-linear"}}}""")]
    [InlineData("""{"model": {"name": "x"}, "method": {"type": "zeroth_order", "zeroth_order": {"trainable_fraction": 0.001}}}""")]
    [InlineData("""{"model": {"name": "x"}, "training": {"max_steps": 1000, "epochs": 0.5}}""")]
    [InlineData("""{"model": {"name": "x"}, "data": {"num_examples": 52000, "mean_tokens_per_example": 310.5}}""")]
    [InlineData("""{"model": {"architecture": {"model_type": "gpt2", "n_layer": 12, "n_embd": 768, "n_head": 12, "n_inner": null, "vocab_size": 50257}}}""")]
    public async Task Valid_documents_have_no_errors(string json)
    {
        Assert.Empty((await Schema.Value).Validate(json));
    }

    [Theory]
    [InlineData("""{"hardware": {"gpu": "a100-80gb"}}""")]                                       // model is required
    [InlineData("""{"model": {"name": "x"}, "training": {"micro_batch_size": 0}}""")]
    [InlineData("""{"model": {"name": "x"}, "trainig": {}}""")]                                 // unknown top-level key
    [InlineData("""{"model": {"name": "x"}, "model2": 1}""")]
    [InlineData("""{"model": {"name": "x", "dtype": "bf61"}}""")]
    [InlineData("""{"model": {"name": "x", "revision": "main"}}""")]                             // unknown nested key
    [InlineData("""{"model": {"name": "x"}, "method": {"lora": {"target_modules": []}}}""")]
    [InlineData("""{"model": {"name": "x"}, "method": {"lora": {"target_modules": "all"}}}""")]
    [InlineData("""{"model": {"name": "x"}, "method": {"lora": {"target_modules": ["q_proj", "q_proj"]}}}""")]
    [InlineData("""{"model": {"name": "x"}, "method": {"lora": {"dropout": 1}}}""")]
    [InlineData("""{"model": {"name": "x"}, "method": {"zeroth_order": {"trainable_fraction": 0}}}""")]
    [InlineData("""{"model": {"name": "x"}, "optimizer": {"learning_rate": 0}}""")]
    [InlineData("""{"model": {"name": "x"}, "training": {"max_steps": 0}}""")]
    [InlineData("""{"model": {"name": "x"}, "training": {"sequence_length": 2048.5}}""")]
    [InlineData("""{"model": {"name": "x"}, "hardware": {"gpus_per_node": 65}}""")]
    [InlineData("""{"model": {"name": "x"}, "deepspeed": {"zero_stage": 4}}""")]
    [InlineData("""{"model": {"name": "x"}, "deepspeed": {"offload_params": "disk"}}""")]
    public async Task Invalid_documents_have_errors(string json)
    {
        Assert.NotEmpty((await Schema.Value).Validate(json));
    }

    /// <summary>Every named property, depth first, with its dotted path (array items and anyOf branches are not named).</summary>
    private static IEnumerable<(string Path, JsonSchemaProperty Property)> AllProperties(JsonSchema schema, string prefix = "")
    {
        foreach (var (name, property) in schema.ActualSchema.Properties)
        {
            var path = prefix + name;
            yield return (path, property);
            foreach (var nested in AllProperties(property, path + "."))
            {
                yield return nested;
            }
        }
    }

    private static async Task<JsonSchema> LoadSchemaAsync() =>
        await JsonSchema.FromJsonAsync(await File.ReadAllTextAsync(SchemaPath()));

    private static string SchemaPath() => Path.Combine(RepositoryPaths.Root, "schemas", "lft.schema.json");
}
