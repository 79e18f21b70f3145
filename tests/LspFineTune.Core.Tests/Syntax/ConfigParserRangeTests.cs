using LspFineTune.Core.Syntax;
using LspFineTune.Core.Text;

namespace LspFineTune.Core.Tests.Syntax;

/// <summary>Every key and value carries the exact range an editor underlines.</summary>
public class ConfigParserRangeTests
{
    private static TextRange R(int startLine, int startCharacter, int endLine, int endCharacter) =>
        TextRange.FromBounds(startLine, startCharacter, endLine, endCharacter);

    private static PropertyNode Property(ConfigSyntaxTree tree, string path) =>
        tree.FindProperty(path) ?? throw new Xunit.Sdk.XunitException($"no property {path}");

    [Fact]
    public void Block_yaml_keys_values_and_mappings_have_exact_ranges()
    {
        var tree = ConfigParser.Parse("""
            model:
              name: meta-llama/Llama-2-7b-hf
              dtype: bf16
            training:
              micro_batch_size: 4
              learning_rate: 2.0e-4
            """);

        Assert.Empty(tree.Diagnostics);
        Assert.Equal(DocumentFormat.Yaml, tree.Format);
        Assert.Equal(R(0, 0, 0, 5), Property(tree, "model").Key.Range);
        Assert.Equal(R(1, 2, 2, 13), Property(tree, "model").Value.Range);
        Assert.Equal(R(1, 2, 1, 6), Property(tree, "model.name").Key.Range);
        Assert.Equal(R(1, 8, 1, 32), Property(tree, "model.name").Value.Range);
        Assert.Equal(R(2, 9, 2, 13), Property(tree, "model.dtype").Value.Range);
        Assert.Equal(R(4, 2, 4, 18), Property(tree, "training.micro_batch_size").Key.Range);
        Assert.Equal(R(4, 20, 4, 21), Property(tree, "training.micro_batch_size").Value.Range);
        Assert.Equal(R(5, 17, 5, 23), Property(tree, "training.learning_rate").Value.Range);
        Assert.Equal(R(0, 0, 5, 23), tree.Root!.Range);
    }

    [Fact]
    public void Scalars_resolve_to_core_schema_types_and_quoted_scalars_are_strings()
    {
        var tree = ConfigParser.Parse("a: 4\nb: '4'\nc: \"4\"\nd: 2.0e-4\ne: null\nf: ~\ng: true\nh: bf16\ni: !!str 5\n");

        ScalarKind KindOf(string key) => ((ScalarNode)Property(tree, key).Value).Kind;
        Assert.Equal(ScalarKind.Integer, KindOf("a"));
        Assert.Equal(ScalarKind.String, KindOf("b"));
        Assert.Equal(ScalarKind.String, KindOf("c"));
        Assert.Equal(ScalarKind.Float, KindOf("d"));
        Assert.Equal(ScalarKind.Null, KindOf("e"));
        Assert.Equal(ScalarKind.Null, KindOf("f"));
        Assert.Equal(ScalarKind.Boolean, KindOf("g"));
        Assert.Equal(ScalarKind.String, KindOf("h"));
        Assert.Equal(ScalarKind.String, KindOf("i"));
        Assert.Equal(4L, ((ScalarNode)Property(tree, "a").Value).AsInteger());
        Assert.Equal(R(1, 3, 1, 6), Property(tree, "b").Value.Range); // quotes are part of the range
    }

    [Fact]
    public void An_empty_value_is_null_with_an_empty_range_at_the_end_of_its_key_line()
    {
        var tree = ConfigParser.Parse("model:\ntraining:\n  seed: 1\n");

        var model = (ScalarNode)Property(tree, "model").Value;
        Assert.True(model.IsNull);
        Assert.Equal(TextRange.At(0, 6), model.Range);
    }

    [Fact]
    public void Comments_and_an_emoji_before_a_key_count_utf16_columns()
    {
        // 😀 is two UTF-16 code units, as LSP counts columns.
        var tree = ConfigParser.Parse("""
            # a comment 😀 with: colons
            model:   # trailing comment
              name: "a😀b"  # why
            tags: {"😀": 1, key: 2}
            """);

        Assert.Empty(tree.Diagnostics);
        Assert.Equal(R(1, 0, 1, 5), Property(tree, "model").Key.Range);
        Assert.Equal(R(2, 8, 2, 14), Property(tree, "model.name").Value.Range);
        Assert.Equal("a😀b", ((ScalarNode)Property(tree, "model.name").Value).Value);
        Assert.Equal(R(3, 16, 3, 19), Property(tree, "tags.key").Key.Range);
        Assert.Equal(R(3, 21, 3, 22), Property(tree, "tags.key").Value.Range);
    }

    [Fact]
    public void Flow_yaml_ranges_include_the_brackets()
    {
        var tree = ConfigParser.Parse("lora: { rank: 16, target_modules: [q_proj, v_proj] }\n");

        var lora = (MappingNode)Property(tree, "lora").Value;
        Assert.True(lora.IsFlow);
        Assert.Equal(R(0, 6, 0, 52), lora.Range);
        Assert.Equal(R(0, 14, 0, 16), Property(tree, "lora.rank").Value.Range);
        var modules = (SequenceNode)Property(tree, "lora.target_modules").Value;
        Assert.True(modules.IsFlow);
        Assert.Equal(R(0, 34, 0, 50), modules.Range);
        Assert.Equal(R(0, 43, 0, 49), modules.Items[1].Range);
    }

    [Fact]
    public void Multi_line_json_has_exact_ranges_and_is_detected_as_json()
    {
        var tree = ConfigParser.Parse("""
            {
              "model": {
                "name": "llama-2-7b"
              },
              "values": [1, 2.5, true, null],
              "compact":{"a":1}
            }
            """);

        Assert.Empty(tree.Diagnostics);
        Assert.Equal(DocumentFormat.Json, tree.Format);
        Assert.Equal(R(0, 0, 6, 1), tree.Root!.Range);
        Assert.Equal(R(1, 2, 1, 9), Property(tree, "model").Key.Range);
        Assert.Equal(R(1, 11, 3, 3), Property(tree, "model").Value.Range);
        Assert.Equal(R(2, 12, 2, 24), Property(tree, "model.name").Value.Range);
        var values = (SequenceNode)Property(tree, "values").Value;
        Assert.Equal(R(4, 12, 4, 32), values.Range);
        Assert.Equal([ScalarKind.Integer, ScalarKind.Float, ScalarKind.Boolean, ScalarKind.Null],
            values.Items.Select(item => ((ScalarNode)item).Kind));
        Assert.Equal(R(5, 17, 5, 18), Property(tree, "compact.a").Value.Range);
    }

    [Fact]
    public void Crlf_line_endings_and_a_byte_order_mark_keep_positions()
    {
        var tree = ConfigParser.Parse("\uFEFFmodel:\r\n  name: x\r\n");

        Assert.Empty(tree.Diagnostics);
        Assert.Equal(R(0, 1, 0, 6), Property(tree, "model").Key.Range);
        Assert.Equal("model", Property(tree, "model").Key.Value);
        Assert.Equal(R(1, 8, 1, 9), Property(tree, "model.name").Value.Range);
    }

    [Fact]
    public void Positions_follow_lsp_lines_even_where_yamldotnet_sees_a_unicode_line_separator()
    {
        // YamlDotNet (YAML 1.1) ends the comment at U+2028 and fails on "y"; an editor shows one line, so does the error.
        var tree = ConfigParser.Parse("a: 1 # x\u2028y\nb: 1\n");

        var error = Assert.Single(tree.Diagnostics);
        Assert.Equal(new TextPosition(0, 9), error.Range.Start);
    }

    [Fact]
    public void Block_scalar_range_ends_at_its_last_character()
    {
        var tree = ConfigParser.Parse("prompt: |\n  line one\n  line two\n\nnext: 1\n");

        Assert.Equal(R(0, 8, 2, 10), Property(tree, "prompt").Value.Range);
        Assert.Equal("line one\nline two\n", ((ScalarNode)Property(tree, "prompt").Value).Value);
    }

    [Fact]
    public void Parent_owning_property_and_owner_links_are_set()
    {
        var tree = ConfigParser.Parse("training:\n  micro_batch_size: 4\n  modules: [a, b]\n");

        var training = Property(tree, "training");
        var size = Property(tree, "training.micro_batch_size");
        var trainingMapping = (MappingNode)training.Value;
        Assert.Same(tree.Root, training.Owner);
        Assert.Same(tree.Root, training.Value.Parent);
        Assert.Same(training, training.Value.OwningProperty);
        Assert.Same(trainingMapping, size.Owner);
        Assert.Same(trainingMapping, size.Key.Parent);
        Assert.Same(size, size.Value.OwningProperty);
        var modules = (SequenceNode)Property(tree, "training.modules").Value;
        Assert.Same(modules, modules.Items[0].Parent);
        Assert.Null(modules.Items[0].OwningProperty);
        Assert.Null(tree.Root!.Parent);
    }
}
