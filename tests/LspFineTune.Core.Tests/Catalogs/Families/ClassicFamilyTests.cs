using LspFineTune.Core.Catalogs;
using LspFineTune.Core.Dialects.HuggingFace;

namespace LspFineTune.Core.Tests.Catalogs.Families;

/// <summary>
/// Families with their own module layouts (gptj.json, mpt.json, nemotron.json, phi.json, phi3.json, gpt_neox.json,
/// starcoder2.json, smollm3.json, smolvlm.json): the module names a LoRA target must use, and the shapes that differ.
/// </summary>
public sealed class ClassicFamilyTests
{
    private static CatalogModel Model(string name) => ModelCatalog.Default.Find(name) ?? throw new Xunit.Sdk.XunitException($"'{name}' does not resolve");

    [Theory]
    [InlineData("EleutherAI/gpt-j-6b", "gpt-j-6b")]
    [InlineData("mosaicml/mpt-7b", "mpt-7b")]
    [InlineData("nvidia/Nemotron-Mini-4B-Instruct", "nemotron-mini-4b")]
    [InlineData("microsoft/phi-1_5", "phi-1.5")]
    [InlineData("microsoft/Phi-3.5-mini-instruct", "phi-3.5-mini")]
    [InlineData("microsoft/phi-4", "phi-4")]
    [InlineData("EleutherAI/pythia-12b-deduped", "pythia-12b")]
    [InlineData("togethercomputer/RedPajama-INCITE-Chat-3B-v1", "redpajama-incite-3b")]
    [InlineData("bigcode/starcoder2-3b", "starcoder2-3b")]
    [InlineData("HuggingFaceH4/starchat2-15b-sft-v0.1", "starcoder2-15b")]
    [InlineData("HuggingFaceTB/SmolLM3-3B-Base", "smollm3-3b")]
    [InlineData("HuggingFaceTB/SmolVLM2-2.2B-Instruct", "smolvlm2-2.2b")]
    [InlineData("cerebras/Cerebras-GPT-1.3B", "cerebras-gpt-1.3b")]
    [InlineData("HuggingFaceH4/zephyr-7b-gemma-sft-v0.1", "gemma-7b")]
    public void A_corpus_model_id_resolves_to_its_catalog_model(string name, string id) => Assert.Equal(id, Model(name).Id);

    [Fact]
    public void Gpt_j_runs_attention_and_mlp_in_parallel_with_a_biased_head()
    {
        var s = Model("gpt-j-6b").Structure;
        Assert.True(s.ParallelAttentionAndMlp);
        Assert.Equal(["q_proj", "k_proj", "v_proj", "out_proj", "fc_in", "fc_out"], s.LayerLinears.Select(l => l.Name));
        Assert.Equal(16384, s.LayerLinears.Single(l => l.Name == "fc_in").OutFeatures);
        Assert.Equal(50400L * 4096 + 50400, s.LmHeadParameters);
        // Its blocks are transformer.h.N, as a PEFT regex sees them.
        Assert.Equal(["q_proj", "v_proj"], PeftTargets.MatchPattern(s, @"transformer\.h\.\d+\.attn\.(q|v)_proj"));
    }

    [Fact]
    public void Mpt_fuses_qkv_into_Wqkv_and_ties_its_head()
    {
        var s = Model("mpt-7b").Structure;
        Assert.Equal(["Wqkv", "out_proj", "up_proj", "down_proj"], s.LayerLinears.Select(l => l.Name));
        Assert.Equal(3 * 4096, s.LayerLinears[0].OutFeatures);
        Assert.All(s.LayerLinears, l => Assert.False(l.HasBias));
        Assert.Equal(0, s.LmHeadParameters);
    }

    [Fact]
    public void Nemotron_has_an_ungated_mlp_and_biased_layer_norms()
    {
        var s = Model("nemotron-mini-4b").Structure;
        Assert.False(s.GatedMlp);
        Assert.DoesNotContain(s.LayerLinears, l => l.Name == "gate_proj");
        Assert.Equal(2 * 2 * 3072, s.LayerNormParameters);
    }

    [Fact]
    public void Phi_4_uses_phi_3s_fused_projections_with_grouped_kv_heads()
    {
        var s = Model("phi-4").Structure;
        var qkv = s.LayerLinears.Single(l => l.Name == "qkv_proj");
        Assert.Equal((40 + 2 * 10) * 128, qkv.OutFeatures);
        Assert.Contains(s.LayerLinears, l => l.Name == "gate_up_proj");
    }

    [Fact]
    public void Starcoder2_3b_and_7b_tie_their_head_while_15b_does_not()
    {
        Assert.Equal(0, Model("starcoder2-3b").Structure.LmHeadParameters);
        Assert.Equal(0, Model("starcoder2-7b").Structure.LmHeadParameters);
        Assert.Equal(49152L * 6144, Model("starcoder2-15b").Structure.LmHeadParameters);
        Assert.Equal((4096, 40), (Model("starcoder2-15b").Architecture.SlidingWindow!.Value, Model("starcoder2-15b").Architecture.SlidingWindowLayers));
    }

    [Fact]
    public void SmolVLM2_counts_its_siglip_tower_and_pixel_shuffle_connector()
    {
        var s = Model("smolvlm2-2.2b").Structure;
        // 27 SigLIP blocks at 1152 wide over 384px images (412,987,248) + modality_projection 9 x 1152 -> 2048 (21,233,664).
        Assert.Equal(434_220_912L, s.VisionParameters);
    }
}
