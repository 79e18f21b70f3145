using LspFineTune.Core.Dialects;
using LspFineTune.Core.Syntax;

namespace LspFineTune.Core.Tests.Dialects;

/// <summary>Which dialect reads a document, and why: forced &gt; modeline &gt; settings glob &gt; content &gt; file name.</summary>
public class DialectRegistryTests
{
    private const string Axolotl = "base_model: meta-llama/Llama-3.2-1B\nsequence_len: 2048\nmicro_batch_size: 2\n";
    private const string Native = "model:\n  name: llama-2-7b\n";

    private static DialectMatch? Detect(string text, string? path = null, string? forced = null, params DialectAssociation[] globs) =>
        DialectRegistry.Default.Detect(DocumentContext.Of(text, ConfigParser.Parse(text), path), forced, globs);

    [Fact]
    public void Content_decides_for_real_formats_whatever_the_file_is_called()
    {
        var match = Detect(Axolotl, "/work/train.yml");
        Assert.Equal(("axolotl", ClaimKind.Content), (match!.Dialect.Id, match.Kind));
        Assert.Equal("has `base_model` and `sequence_len`", match.Reason);
        Assert.Equal("deepspeed", Detect("{\"zero_optimization\": {\"stage\": 3}}", "/work/ds.json")!.Dialect.Id);
        Assert.Equal("native", Detect(Native, "/work/any.yaml")!.Dialect.Id);
    }

    [Fact]
    public void The_native_file_name_claims_a_document_whose_content_is_nothing_yet()
    {
        Assert.Equal(ClaimKind.FileName, Detect("", "/work/new.lft.yaml")!.Kind);
        Assert.Null(Detect("", "/work/new.yaml"));
    }

    [Fact]
    public void A_modeline_or_a_flag_forces_the_dialect_over_the_content()
    {
        var byModeline = Detect("# lft: dialect=native\n" + Axolotl);
        Assert.Equal(("native", ClaimKind.Modeline), (byModeline!.Dialect.Id, byModeline.Kind));
        var forced = Detect(Native, forced: "axolotl");
        Assert.Equal(("axolotl", ClaimKind.Forced), (forced!.Dialect.Id, forced.Kind));
        Assert.Equal("native", Detect("# lft: config\nanything: 1\n")!.Dialect.Id);
    }

    [Fact]
    public void An_editor_glob_is_stronger_than_the_content_and_weaker_than_the_modeline()
    {
        var glob = new DialectAssociation("**/recipes/*.yaml", "deepspeed");
        Assert.Equal("deepspeed", Detect(Axolotl, "/work/recipes/a.yaml", null, glob)!.Dialect.Id);
        Assert.Equal("axolotl", Detect(Axolotl, "/work/other/a.yaml", null, glob)!.Dialect.Id);
        Assert.Equal("native", Detect("# lft: dialect=native\n" + Axolotl, "/work/recipes/a.yaml", null, glob)!.Dialect.Id);
    }

    [Fact]
    public void A_model_card_with_base_model_and_datasets_is_not_an_axolotl_config()
    {
        Assert.Null(Detect("base_model: meta-llama/Llama-3.1-8B\ndatasets:\n  - tatsu-lab/alpaca\nlicense: apache-2.0\n", "/work/README.yaml"));
    }

    [Theory]
    [InlineData("**/axolotl/*.yml", "/w/configs/axolotl/a.yml", true)]
    [InlineData("**/axolotl/*.yml", "/w/axolotl/sub/a.yml", false)]
    [InlineData("*.ds.json", "/w/x/zero3.ds.json", true)]
    [InlineData("train-*.{yaml,yml}", "/w/train-8b.yml", true)]
    [InlineData("train-*.{yaml,yml}", "/w/eval-8b.yml", false)]
    public void Globs_match_as_editors_write_them(string glob, string path, bool matches) =>
        Assert.Equal(matches, Glob.Matches(glob, path));
}
