using LspFineTune.Core.Catalogs;
using LspFineTune.Core.Estimation;
using LspFineTune.Core.Planning;

namespace LspFineTune.Core.Tests.Catalogs.Families;

/// <summary>
/// GLM-4.6V-Flash (glm4v) and the Falcon-H1 1.5B: what a user notices is that the hub ids the corpus configs name resolve,
/// that LoRA targets meet the module names transformers gives these models (GLM-4V fuses gate_up_proj in its text model),
/// and that the vision tower is counted with the text model.
/// </summary>
public sealed class Vlm2FamilyTests
{
    private static readonly ModelCatalog Catalog = ModelCatalog.Default;

    private static ModelStructure Structure(string id) => Catalog.Find(id)?.Structure ?? throw new Xunit.Sdk.XunitException($"{id} does not resolve");

    // The base_model values of axolotl examples/glm46v/*.yaml and examples/falcon-h1/falcon-h1-1b-qlora.yaml and falcon-h1-1b-deep-qlora.yaml.
    [Theory]
    [InlineData("zai-org/GLM-4.6V-Flash", "glm-4.6v-flash")]
    [InlineData("tiiuae/Falcon-H1-1.5B-Base", "falcon-h1-1.5b")]
    [InlineData("tiiuae/Falcon-H1-1.5B-Instruct", "falcon-h1-1.5b")]
    [InlineData("tiiuae/Falcon-H1-1.5B-Deep-Base", "falcon-h1-1.5b-deep")]
    public void Corpus_base_models_resolve(string hubId, string id) => Assert.Equal(id, Catalog.Find(hubId)?.Id);

    [Fact]
    public void Glm4v_text_model_fuses_gate_and_up_so_only_gate_up_proj_and_down_proj_adapt_its_mlp()
    {
        var structure = Structure("glm-4.6v-flash");
        var matched = LoraTargets.Match(structure, new LoraSettings { TargetModules = ["gate_up_proj", "down_proj"] });
        var gateUp = matched.Single(l => l.Name == "gate_up_proj");
        Assert.Equal((4096, 2 * 13696), (gateUp.InFeatures, gateUp.OutFeatures));
        // gate_proj and up_proj exist only in the vision tower's MLPs and merger, not in the 40 text blocks.
        Assert.Equal(["gate_proj", "up_proj"], LoraTargets.Unmatched(structure, new LoraSettings { TargetModules = ["gate_proj", "up_proj", "q_proj"] }));
    }

    [Fact]
    public void Glm4v_keeps_two_kv_heads_and_counts_its_vision_tower()
    {
        var structure = Structure("glm-4.6v-flash");
        var k = structure.LayerLinears.Single(l => l.Name == "k_proj");
        Assert.Equal((4096, 2 * 128, true), (k.InFeatures, k.OutFeatures, k.HasBias));
        // The 24-block, 1536-wide tower with its downsample and merger: 892,498,432 of the 10,292,777,472.
        Assert.Equal(892_498_432, structure.VisionParameters);
        Assert.Equal(10_292_777_472, structure.TotalParameters);
    }

    [Fact]
    public void Falcon_h1_1_5b_counts_the_gated_ssm_norm_the_checkpoint_has()
    {
        // 1,554,863,488 elements in the checkpoint; without mamba.norm (3072 x 24) the count would be 73,728 short.
        Assert.Equal(1_554_863_488, Structure("falcon-h1-1.5b").TotalParameters);
    }

    [Fact]
    public void Falcon_h1_1_5b_deep_trades_width_for_66_blocks_at_the_same_size()
    {
        var wide = Structure("falcon-h1-1.5b");
        var deep = Structure("falcon-h1-1.5b-deep");
        Assert.Equal((24, 66), (wide.Layers, deep.Layers));
        Assert.Equal(1_554_872_208, deep.TotalParameters);
        // The in_proj of the deeper model's mixer is narrower: 1280 -> 1536 + (1536 + 2 x 256) + 24 heads.
        var inProj = deep.LayerLinears.Single(l => l.Name == "in_proj");
        Assert.Equal((1280, 1536 + 2048 + 24), (inProj.InFeatures, inProj.OutFeatures));
    }
}
