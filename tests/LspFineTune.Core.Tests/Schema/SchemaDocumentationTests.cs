using LspFineTune.Core.Schema;

namespace LspFineTune.Core.Tests.Schema;

public class SchemaDocumentationTests
{
    [Fact]
    public void A_leaf_key_has_its_description_type_default_and_allowed_values()
    {
        var attention = SchemaDocumentation.Default.Find("training.attention");
        Assert.NotNull(attention);
        Assert.Equal(["string"], attention.Types);
        Assert.Equal("\"sdpa\"", attention.Default!.ToJsonString());
        Assert.Equal(["\"eager\"", "\"sdpa\"", "\"flash\""], attention.AllowedValues.Select(v => v!.ToJsonString()));
        Assert.Contains("Attention kernel", attention.Description);
    }

    [Fact]
    public void Sections_list_their_keys_in_schema_order()
    {
        var root = SchemaDocumentation.Default.Root;
        Assert.True(root.IsSection);
        Assert.Equal("model", root.Children.First(c => c.Path != "$schema").Path);
        var deepspeed = SchemaDocumentation.Default.Find("deepspeed")!;
        Assert.Contains("deepspeed.zero_stage", deepspeed.Children.Select(c => c.Path));
        Assert.False(deepspeed.AllowsOtherKeys);
        Assert.True(SchemaDocumentation.Default.Find("model.architecture")!.AllowsOtherKeys);
    }

    [Fact]
    public void A_key_with_alternatives_collects_their_types_and_item_values()
    {
        var targets = SchemaDocumentation.Default.Find("method.lora.target_modules")!;
        Assert.Contains("string", targets.Types);
        Assert.Contains("array", targets.Types);
    }

    [Fact]
    public void Unknown_paths_are_null()
    {
        Assert.Null(SchemaDocumentation.Default.Find("training.nope"));
        Assert.Null(SchemaDocumentation.Default.Find("nope.attention"));
    }
}
