using LspFineTune.Core.Diagnostics;
using LspFineTune.Core.Schema;
using LspFineTune.Core.Syntax;
using LspFineTune.Core.Text;

namespace LspFineTune.Core.Tests.Schema;

/// <summary>Schema errors are placed on the offending value (or key) and say what is expected.</summary>
public class SchemaValidatorTests
{
    // Mimics schemas/lft.schema.json: closed objects, a $ref, an enum, a minimum, a nullable integer, an anyOf with const.
    private const string TestSchema = """
        {
          "$schema": "http://json-schema.org/draft-07/schema#",
          "type": "object",
          "additionalProperties": false,
          "required": ["model"],
          "properties": {
            "model": { "$ref": "#/definitions/model" },
            "method": {
              "type": "object",
              "additionalProperties": false,
              "properties": {
                "type": { "type": "string", "enum": ["full", "lora", "zeroth_order"] },
                "lora": {
                  "type": "object",
                  "additionalProperties": false,
                  "properties": {
                    "rank": { "type": "integer", "minimum": 1 },
                    "dropout": { "type": "number", "minimum": 0, "exclusiveMaximum": 1 },
                    "target_modules": {
                      "anyOf": [
                        { "type": "string", "const": "all-linear" },
                        { "type": "array", "items": { "type": "string" } }
                      ]
                    }
                  }
                }
              }
            },
            "training": {
              "type": "object",
              "additionalProperties": false,
              "properties": {
                "micro_batch_size": { "type": "integer", "minimum": 1 },
                "gradient_accumulation_steps": { "type": "integer", "minimum": 1 },
                "max_steps": { "type": ["integer", "null"], "minimum": 1 },
                "learning_rate": { "type": "number", "exclusiveMinimum": 0 },
                "gradient_checkpointing": { "type": "boolean" },
                "attention": { "type": "string", "enum": ["eager", "sdpa", "flash"] }
              }
            },
            "data": {
              "type": "object",
              "additionalProperties": false,
              "properties": { "files": { "type": "array", "items": { "type": "object", "required": ["path"], "properties": { "path": { "type": "string" } } } } }
            }
          },
          "definitions": {
            "model": {
              "type": "object",
              "additionalProperties": false,
              "properties": {
                "name": { "type": "string" },
                "dtype": { "type": "string", "enum": ["fp32", "fp16", "bf16"] }
              }
            }
          }
        }
        """;

    private static readonly SchemaValidator Validator = SchemaValidator.FromJson(TestSchema);

    private static IReadOnlyList<Diagnostic> Validate(string text)
    {
        var tree = ConfigParser.Parse(text);
        Assert.DoesNotContain(tree.Diagnostics, d => d.Severity == DiagnosticSeverity.Error);
        return Validator.Validate(tree);
    }

    [Fact]
    public void A_valid_config_has_no_diagnostics()
    {
        Assert.Empty(Validate("""
            model: { name: llama-2-7b, dtype: bf16 }
            method:
              type: lora
              lora: { rank: 16, dropout: 0.05, target_modules: all-linear }
            training:
              micro_batch_size: 4
              max_steps: null
              learning_rate: 2.0e-4
              gradient_checkpointing: true
            """));
    }

    [Fact]
    public void Wrong_type_is_reported_at_the_value()
    {
        var diagnostic = Assert.Single(Validate("model: {name: x}\ntraining:\n  micro_batch_size: four\n"));

        Assert.Equal(DiagnosticCodes.WrongType, diagnostic.Code);
        Assert.Equal("`training.micro_batch_size` must be an integer, but 'four' is a string.", diagnostic.Message);
        Assert.Equal(TextRange.FromBounds(2, 20, 2, 24), diagnostic.Range);
    }

    [Fact]
    public void Every_key_with_the_wrong_type_gets_one_error_at_its_value()
    {
        var text = """
            model:
              name: [a, b]
              dtype: 16
            method:
              type: {x: 1}
              lora:
                rank: "8"
                dropout: yes
                target_modules: 5
            training:
              micro_batch_size: 4.5
              gradient_accumulation_steps: true
              max_steps: many
              learning_rate: fast
              gradient_checkpointing: 1
              attention: [sdpa]
            data: files
            """;
        var tree = ConfigParser.Parse(text);

        var diagnostics = Validator.Validate(tree);

        string[] paths =
        [
            "model.name", "model.dtype", "method.type", "method.lora.rank", "method.lora.dropout", "method.lora.target_modules",
            "training.micro_batch_size", "training.gradient_accumulation_steps", "training.max_steps", "training.learning_rate",
            "training.gradient_checkpointing", "training.attention", "data",
        ];
        Assert.All(diagnostics, d => Assert.Equal(DiagnosticCodes.WrongType, d.Code));
        Assert.Equal(paths.Select(path => tree.FindProperty(path)!.Value.Range), diagnostics.Select(d => d.Range));
    }

    [Fact]
    public void Nullable_integer_names_both_types()
    {
        var diagnostic = Assert.Single(Validate("model: {}\ntraining: {max_steps: lots}\n"));

        Assert.Equal("`training.max_steps` must be an integer or null, but 'lots' is a string.", diagnostic.Message);
    }

    [Fact]
    public void Unknown_key_suggests_the_closest_sibling()
    {
        var diagnostic = Assert.Single(Validate("model: {name: x}\ntrainig:\n  micro_batch_size: 4\n"));

        Assert.Equal(DiagnosticCodes.UnknownKey, diagnostic.Code);
        Assert.Equal("Unknown key `trainig` in the top level. Did you mean `training`?", diagnostic.Message);
        Assert.Equal(TextRange.FromBounds(1, 0, 1, 7), diagnostic.Range);
        Assert.Equal("training", diagnostic.Data["suggestion"]);
        Assert.Equal("trainig", diagnostic.Data["key"]);
    }

    [Fact]
    public void Unknown_key_under_a_ref_uses_the_referenced_schema_names()
    {
        var diagnostic = Assert.Single(Validate("model:\n  nmae: x\n"));

        Assert.Equal("Unknown key `nmae` in `model`. Did you mean `name`?", diagnostic.Message);
        Assert.Equal(TextRange.FromBounds(1, 2, 1, 6), diagnostic.Range);
    }

    [Fact]
    public void Unknown_key_without_a_close_match_lists_the_known_keys()
    {
        var diagnostic = Assert.Single(Validate("model:\n  colour: red\n"));

        Assert.Equal("Unknown key `colour` in `model`; check its spelling or remove it. Known keys: name, dtype.", diagnostic.Message);
        Assert.False(diagnostic.Data.ContainsKey("suggestion"));
    }

    [Fact]
    public void Enum_value_suggests_the_closest_allowed_value()
    {
        var diagnostic = Assert.Single(Validate("model:\n  name: x\n  dtype: bf61\n"));

        Assert.Equal(DiagnosticCodes.NotAllowedValue, diagnostic.Code);
        Assert.Equal("`model.dtype` must be one of fp32, fp16, bf16; got 'bf61'. Did you mean `bf16`?", diagnostic.Message);
        Assert.Equal(TextRange.FromBounds(2, 9, 2, 13), diagnostic.Range);
        Assert.Equal("bf16", diagnostic.Data["suggestion"]);
    }

    [Fact]
    public void Number_below_the_minimum()
    {
        var diagnostic = Assert.Single(Validate("model: {}\ntraining:\n  micro_batch_size: 0\n"));

        Assert.Equal(DiagnosticCodes.OutOfRange, diagnostic.Code);
        Assert.Equal("`training.micro_batch_size` must be at least 1; got 0.", diagnostic.Message);
        Assert.Equal(TextRange.FromBounds(2, 20, 2, 21), diagnostic.Range);
    }

    [Fact]
    public void Exclusive_bounds_are_worded_as_such()
    {
        var diagnostics = Validate("model: {}\ntraining: {learning_rate: 0}\nmethod: {lora: {dropout: 1.0}}\n");

        Assert.Equal(
            ["`training.learning_rate` must be greater than 0; got 0.", "`method.lora.dropout` must be less than 1; got 1.0."],
            diagnostics.Select(d => d.Message));
    }

    [Fact]
    public void AnyOf_with_no_branch_of_the_value_type_is_one_type_error()
    {
        var diagnostic = Assert.Single(Validate("model: {}\nmethod:\n  lora:\n    target_modules: 5\n"));

        Assert.Equal(DiagnosticCodes.WrongType, diagnostic.Code);
        Assert.Equal("`method.lora.target_modules` must be 'all-linear' or a list of strings, but 5 is an integer.", diagnostic.Message);
        Assert.Equal(TextRange.FromBounds(3, 20, 3, 21), diagnostic.Range);
    }

    [Fact]
    public void AnyOf_reports_only_the_specific_error_of_the_matching_branch()
    {
        var diagnostic = Assert.Single(Validate("model: {}\nmethod:\n  lora:\n    target_modules: [q_proj, 7]\n"));

        Assert.Equal("`method.lora.target_modules[1]` must be a string, but 7 is an integer.", diagnostic.Message);
        Assert.Equal(TextRange.FromBounds(3, 29, 3, 30), diagnostic.Range);
    }

    [Fact]
    public void Const_is_enforced()
    {
        var diagnostic = Assert.Single(Validate("model: {}\nmethod:\n  lora:\n    target_modules: all_linear\n"));

        Assert.Equal(DiagnosticCodes.NotAllowedValue, diagnostic.Code);
        Assert.Equal("all-linear", diagnostic.Data["suggestion"]);
    }

    [Fact]
    public void Missing_required_key_at_the_top_level_is_at_the_document_start()
    {
        var diagnostic = Assert.Single(Validate("training:\n  micro_batch_size: 4\n"));

        Assert.Equal(DiagnosticCodes.MissingRequiredKey, diagnostic.Code);
        Assert.Equal(TextRange.At(0, 0), diagnostic.Range);
        Assert.Equal("The config is missing the required key `model`; add it.", diagnostic.Message);
        Assert.Equal("model", diagnostic.Data["key"]);
    }

    [Fact]
    public void Missing_required_key_in_a_list_item_is_at_the_item()
    {
        var diagnostic = Assert.Single(Validate("model: {}\ndata:\n  files:\n    - path: a.jsonl\n    - name: b\n"));

        Assert.Equal("`data.files[1]` is missing the required key `path`; add it.", diagnostic.Message);
        Assert.Equal(new TextPosition(4, 6), diagnostic.Range.Start);
    }

    [Fact]
    public void Missing_keys_are_not_reported_for_a_tree_cut_short_by_a_syntax_error()
    {
        var tree = ConfigParser.Parse("training:\n  micro_batch_size: 4\n  broken line\n  seed: 1\n");

        Assert.Empty(Validator.Validate(tree));
    }

    [Fact]
    public void Errors_through_an_alias_are_reported_once_at_the_anchor()
    {
        var tree = ConfigParser.Parse("model: &m {name: x, dtype: bf61}\nmethod:\n  lora: {rank: 0}\n");

        var diagnostics = Validator.Validate(tree);

        Assert.Equal([DiagnosticCodes.NotAllowedValue, DiagnosticCodes.OutOfRange], diagnostics.Select(d => d.Code));
    }

    [Fact]
    public void Json_documents_are_validated_with_positions()
    {
        var diagnostic = Assert.Single(Validate("{\n  \"model\": {\"name\": \"x\"},\n  \"training\": {\"micro_batch_size\": \"4\"}\n}"));

        Assert.Equal("`training.micro_batch_size` must be an integer, but '4' is a string.", diagnostic.Message);
        Assert.Equal(TextRange.FromBounds(2, 35, 2, 38), diagnostic.Range);
    }

    [Fact]
    public void A_document_that_is_not_a_mapping_is_left_to_the_parser()
    {
        Assert.Empty(Validator.Validate(ConfigParser.Parse("- a\n")));
        Assert.Empty(Validator.Validate(ConfigParser.Parse("")));
    }

    [Fact]
    public void The_default_validator_loads_the_embedded_schema()
    {
        Assert.NotNull(SchemaValidator.Default.Schema);
        Assert.Same(SchemaValidator.Default, SchemaValidator.Default);
    }
}
