using LspFineTune.Core.Diagnostics;
using LspFineTune.Core.Syntax;
using LspFineTune.Core.Text;

namespace LspFineTune.Core.Tests.Syntax;

/// <summary>What YAML allows but a config must not have: empty files, several documents, duplicate and merge keys.</summary>
public class ConfigParserStructureTests
{
    [Theory]
    [InlineData("")]
    [InlineData("   \n\n  ")]
    [InlineData("# just a comment\n# and another\n")]
    [InlineData("---\n")]
    public void Empty_document(string text)
    {
        var tree = ConfigParser.Parse(text);

        var diagnostic = Assert.Single(tree.Diagnostics);
        Assert.Equal(DiagnosticCodes.EmptyDocument, diagnostic.Code);
        Assert.Equal(TextRange.At(0, 0), diagnostic.Range);
        Assert.Equal("The document is empty: a config needs at least a `model:` section.", diagnostic.Message);
        Assert.Null(tree.Root);
    }

    [Theory]
    [InlineData("- a\n- b\n", "a list")]
    [InlineData("[1, 2]", "a list")]
    [InlineData("42\n", "a single value")]
    public void Root_that_is_not_a_mapping(string text, string described)
    {
        var tree = ConfigParser.Parse(text);

        var diagnostic = Assert.Single(tree.Diagnostics);
        Assert.Equal(DiagnosticCodes.NotAMapping, diagnostic.Code);
        Assert.Contains(described, diagnostic.Message);
        Assert.Equal(0, diagnostic.Range.End.Line);
        Assert.Null(tree.RootMapping);
    }

    [Fact]
    public void Duplicate_key_is_reported_on_the_second_and_the_first_is_kept()
    {
        var tree = ConfigParser.Parse("model:\n  name: x\ntraining:\n  seed: 1\ntraining:\n  seed: 2\n");

        var diagnostic = Assert.Single(tree.Diagnostics);
        Assert.Equal(DiagnosticCodes.DuplicateKey, diagnostic.Code);
        Assert.Equal(TextRange.FromBounds(4, 0, 4, 8), diagnostic.Range);
        Assert.Equal("`training` is already defined at line 3; the later value would silently win. Remove one of them.", diagnostic.Message);
        Assert.Equal(TextRange.FromBounds(2, 0, 2, 8), Assert.Single(diagnostic.Related).Range);
        Assert.Equal(2, tree.RootMapping!.Properties.Count);
        Assert.Equal(1L, ((ScalarNode)tree.FindProperty("training.seed")!.Value).AsInteger());
    }

    [Fact]
    public void Duplicate_key_in_json()
    {
        var tree = ConfigParser.Parse("{\"a\": 1, \"a\": 2}");

        Assert.Equal(TextRange.FromBounds(0, 9, 0, 12), Assert.Single(tree.Diagnostics).Range);
    }

    [Fact]
    public void A_second_document_is_an_error_at_its_start()
    {
        var tree = ConfigParser.Parse("model:\n  name: x\n---\nmodel:\n  name: y\n");

        var diagnostic = Assert.Single(tree.Diagnostics);
        Assert.Equal(DiagnosticCodes.MultipleDocuments, diagnostic.Code);
        Assert.Equal(TextRange.FromBounds(2, 0, 2, 3), diagnostic.Range);
        Assert.Contains("one config", diagnostic.Message);
        Assert.Equal("x", ((ScalarNode)tree.FindProperty("model.name")!.Value).Value);
    }

    [Fact]
    public void An_explicit_document_start_alone_is_fine()
    {
        var tree = ConfigParser.Parse("---\nmodel:\n  name: x\n");

        Assert.Empty(tree.Diagnostics);
    }

    [Fact]
    public void Alias_resolves_to_the_anchored_node_itself()
    {
        var tree = ConfigParser.Parse("defaults: &lora { rank: 16, alpha: 32 }\nmethod:\n  lora: *lora\n");

        Assert.Empty(tree.Diagnostics);
        var anchored = tree.FindProperty("defaults")!.Value;
        Assert.Same(anchored, tree.FindProperty("method.lora")!.Value);
        Assert.Equal(16L, ((ScalarNode)tree.FindProperty("method.lora.rank")!.Value).AsInteger());
        // The shared node keeps the parent and property where it is anchored.
        Assert.Same(tree.FindProperty("defaults"), anchored.OwningProperty);
    }

    [Fact]
    public void Alias_as_a_key_is_a_key_at_the_alias()
    {
        var tree = ConfigParser.Parse("names: [&k seed]\ntraining:\n  *k : 3\n");

        Assert.Empty(tree.Diagnostics);
        var property = tree.FindProperty("training.seed")!;
        Assert.Equal(TextRange.FromBounds(2, 2, 2, 4), property.Key.Range);
    }

    [Fact]
    public void Undefined_alias()
    {
        var tree = ConfigParser.Parse("a: *missing\n");

        var diagnostic = Assert.Single(tree.Diagnostics);
        Assert.Equal(DiagnosticCodes.SyntaxError, diagnostic.Code);
        Assert.Equal(TextRange.FromBounds(0, 3, 0, 11), diagnostic.Range);
        Assert.Contains("&missing", diagnostic.Message);
    }

    [Fact]
    public void Alias_inside_its_own_anchor_is_not_a_cycle()
    {
        var tree = ConfigParser.Parse("a: &x [1, *x]\n");

        Assert.Equal(DiagnosticCodes.SyntaxError, Assert.Single(tree.Diagnostics).Code);
    }

    [Fact]
    public void Merge_keys_are_not_supported()
    {
        var tree = ConfigParser.Parse("base: &b {rank: 8}\nlora:\n  <<: *b\n  alpha: 16\n");

        var diagnostic = Assert.Single(tree.Diagnostics);
        Assert.Equal(DiagnosticCodes.UnsupportedYamlFeature, diagnostic.Code);
        Assert.Equal(TextRange.FromBounds(2, 2, 2, 4), diagnostic.Range);
        Assert.Contains("write the keys out", diagnostic.Message);
        Assert.Equal(["alpha"], ((MappingNode)tree.FindProperty("lora")!.Value).Properties.Select(p => p.Key.Value));
    }

    [Fact]
    public void Alias_bomb_is_cut_off()
    {
        var lines = new List<string> { "a0: &a0 [x, x, x, x, x, x, x, x, x]" };
        for (var level = 1; level < 10; level++)
            lines.Add($"a{level}: &a{level} [{string.Join(", ", Enumerable.Repeat($"*a{level - 1}", 9))}]");

        var tree = ConfigParser.Parse(string.Join('\n', lines));

        Assert.Contains(tree.Diagnostics, d => d.Code == DiagnosticCodes.DocumentTooComplex && d.Message.Contains("Aliases"));
    }

    [Fact]
    public void Complex_key_is_reported_with_its_range()
    {
        var tree = ConfigParser.Parse("? [a, b]\n: 1\nc: 2\n");

        var diagnostic = Assert.Single(tree.Diagnostics);
        Assert.Equal(DiagnosticCodes.UnsupportedYamlFeature, diagnostic.Code);
        Assert.Equal(TextRange.FromBounds(0, 2, 0, 8), diagnostic.Range);
        Assert.Equal(["c"], tree.RootMapping!.Properties.Select(p => p.Key.Value));
    }
}
