using LspFineTune.Core.Catalogs;
using LspFineTune.Core.Dialects.HuggingFace;

namespace LspFineTune.Core.Tests.Catalogs.Families;

/// <summary>Mistral-shaped families (mistral.json, mixtral.json, mistral3.json, llava.json).</summary>
public sealed class MistralFamilyTests
{
    private static CatalogModel Model(string name) => ModelCatalog.Default.Find(name) ?? throw new Xunit.Sdk.XunitException($"'{name}' does not resolve");

    [Theory]
    [InlineData("mistralai/Mistral-7B-Instruct-v0.2", "mistral-7b-v0.2")]
    [InlineData("mistralai/Ministral-8B-Instruct-2410", "ministral-8b")]
    [InlineData("mistralai/Magistral-Small-2506", "magistral-small-24b")]
    [InlineData("mistralai/Magistral-Small-2507", "magistral-small-24b")]
    [InlineData("mistralai/Devstral-Small-2507", "devstral-small-24b")]
    [InlineData("teknium/OpenHermes-2.5-Mistral-7B", "openhermes-2.5-mistral-7b")]
    [InlineData("HuggingFaceH4/zephyr-7b-beta", "mistral-7b-v0.1")]
    [InlineData("alignment-handbook/zephyr-7b-sft-full", "mistral-7b-v0.1")]
    [InlineData("mistral-community/Mixtral-8x22B-v0.1", "mixtral-8x22b")]
    [InlineData("mistralai/Mistral-Small-3.1-24B-Instruct-2503", "mistral-small-3.1-24b")]
    [InlineData("mistralai/Magistral-Small-2509", "magistral-small-2509")]
    [InlineData("llava-hf/llava-1.5-7b-hf", "llava-1.5-7b")]
    [InlineData("mistral-community/pixtral-12b", "pixtral-12b")]
    public void A_corpus_model_id_resolves_to_its_catalog_model(string name, string id) => Assert.Equal(id, Model(name).Id);

    [Fact]
    public void Only_mistral_v0_1_windows_its_attention()
    {
        // v0.1's config.json: sliding_window 4096 in every block; v0.2 dropped the window (sliding_window null).
        var v01 = Model("mistral-7b-v0.1").Architecture;
        Assert.Equal((4096, 32), (v01.SlidingWindow!.Value, v01.SlidingWindowLayers));
        var v02 = Model("mistral-7b-v0.2").Architecture;
        Assert.Null(v02.SlidingWindow);
        Assert.Equal(32, v02.FullAttentionLayers);
    }

    [Fact]
    public void Mixtral_8x22b_holds_eight_experts_and_runs_two()
    {
        var s = Model("mixtral-8x22b").Structure;
        var w1 = s.LayerLinears.Single(l => l.ModulePath == "block_sparse_moe.experts.{e}.w1");
        Assert.Equal((8, 2), (w1.Copies, w1.ActiveCopies));
        Assert.True(w1.MatchesTarget("w1"));
        Assert.InRange(s.ActiveParameters, 38_500_000_000L, 39_500_000_000L);
        Assert.Equal(140_620_634_112L, s.TotalParameters);
    }

    [Fact]
    public void Mistral_3_is_the_text_only_24b_decoder_plus_a_pixtral_tower_and_patch_merger()
    {
        var vlm = Model("mistral-small-3.1-24b").Structure;
        var text = Model("mistral-small-24b").Structure;
        Assert.Equal(text.TotalParameters, vlm.TextParameters);
        // Pixtral encoder 403,305,472 + projector (norm, 2x2 patch merger, linear_1/2 without bias) 35,652,608.
        Assert.Equal(438_958_080L, vlm.VisionParameters);
    }

    [Fact]
    public void Llava_counts_clip_for_llava_1_5_and_pixtral_for_pixtral_12b()
    {
        // CLIP ViT-L/14-336 (303,507,456) + the two-layer biased projector (20,979,712).
        Assert.Equal(324_487_168L, Model("llava-1.5-7b").Structure.VisionParameters);
        // Pixtral encoder with 16px patches (403,489,792) + projector (31,467,520); its text model is Mistral NeMo's.
        var pixtral = Model("pixtral-12b").Structure;
        Assert.Equal(434_957_312L, pixtral.VisionParameters);
        Assert.Equal(Model("mistral-nemo-12b").Structure.TotalParameters, pixtral.TextParameters);
    }

    // axolotl's examples (llava/lora-7b.yaml, pixtral/lora-12b.yml, mistral-small/...) target the text model by its
    // full transformers name: LLaVA and Mistral 3 keep their decoder under model.language_model.
    [Theory]
    [InlineData("llava-1.5-7b")]
    [InlineData("pixtral-12b")]
    [InlineData("mistral-small-3.1-24b")]
    public void A_regex_over_the_language_models_full_module_names_reaches_its_linears(string id)
    {
        var named = PeftTargets.MatchPattern(Model(id).Structure, @"model.language_model.layers.[\d]+.(mlp|cross_attn|self_attn).(up|down|gate|q|k|v|o)_proj");
        Assert.Equal(["q_proj", "k_proj", "v_proj", "o_proj", "gate_proj", "up_proj", "down_proj"], named);
        Assert.Empty(PeftTargets.MatchPattern(Model(id).Structure, @"model.layers.[\d]+.self_attn.q_proj"));
    }
}
