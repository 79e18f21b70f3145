using LspFineTune.Core.Editing;
using LspFineTune.Core.Syntax;

namespace LspFineTune.Core.Tests.Editing;

public class ConfigOverridesTests
{
    private const string Yaml = "# tuned by hand\noptimizer:\n  learning_rate: 1.0e-4  # keep\n  type: adamw\ntraining:\n  micro_batch_size: 8\n";

    [Fact]
    public void An_existing_value_is_replaced_in_place_as_written_and_the_comments_stay()
    {
        var edited = ConfigOverrides.Apply(Yaml, [ConfigOverrides.Parse("optimizer.learning_rate=2.0e-3")]);
        Assert.Equal(Yaml.Replace("1.0e-4", "2.0e-3"), edited);
    }

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void A_missing_key_is_added_under_its_section_also_when_its_section_ends_the_file_where_a_new_section_goes(bool newSectionFirst)
    {
        string[] assignments = ["training.gradient_accumulation_steps=2", "method.lora.rank=16"];
        var edited = ConfigOverrides.Apply(Yaml, (newSectionFirst ? assignments.Reverse() : assignments).Select(ConfigOverrides.Parse).ToList());
        var tree = ConfigParser.Parse(edited);
        Assert.Empty(tree.Diagnostics);
        Assert.Equal("2", ((ScalarNode)((MappingNode)tree.RootMapping!.Find("training")!.Value).Find("gradient_accumulation_steps")!.Value).Value);
        Assert.Contains("method:\n  lora:\n    rank: 16", edited);
    }

    [Fact]
    public void Values_are_typed_as_YAML_types_them()
    {
        Assert.Equal(16L, ConfigOverrides.Parse("method.lora.rank=16").Value);
        Assert.Equal(true, ConfigOverrides.Parse("training.packing=true").Value);
        Assert.Equal("all-linear", ConfigOverrides.Parse("method.lora.target_modules=all-linear").Value);
        // A float keeps its text for YAML; a JSON document gets the number.
        Assert.Equal("2e-3", ConfigOverrides.Parse("optimizer.learning_rate=2e-3").Value);
        const string json = "{\"optimizer\": {\"learning_rate\": 0.0001}, \"training\": {\"packing\": false}}";
        var edited = ConfigOverrides.Apply(json, [ConfigOverrides.Parse("optimizer.learning_rate=2e-3"), ConfigOverrides.Parse("training.packing=true"), ConfigOverrides.Parse("training.micro_batch_size=4")]);
        Assert.Contains("\"learning_rate\": 0.002", edited);
        Assert.Contains("\"packing\": true", edited);
        Assert.Contains("\"micro_batch_size\": 4", edited);
    }

    [Theory]
    [InlineData("learning_rate")]
    [InlineData("=3")]
    [InlineData("optimizer..learning_rate=3")]
    [InlineData("optimizer.learning_rate=")]
    public void Something_that_is_not_key_equals_value_says_what_is_expected(string assignment)
    {
        var error = Assert.Throws<FormatException>(() => ConfigOverrides.Parse(assignment));
        Assert.Contains("is not KEY=VALUE", error.Message);
    }

    [Fact]
    public void A_path_through_a_value_is_refused_rather_than_dropped()
    {
        var error = Assert.Throws<FormatException>(() => ConfigOverrides.Apply(Yaml, [ConfigOverrides.Parse("training.micro_batch_size.inner=3")]));
        Assert.Contains("`training.micro_batch_size.inner` cannot be set", error.Message);
    }
}
