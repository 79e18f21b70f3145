using LspFineTune.Core.Catalogs;

namespace LspFineTune.Core.Tests.Catalogs.Families;

/// <summary>Llama-shaped families (llama.json, mllama.json, llama4.json): what a user sees when a config names one.</summary>
public sealed class LlamaFamilyTests
{
    private static CatalogModel Model(string name) => ModelCatalog.Default.Find(name) ?? throw new Xunit.Sdk.XunitException($"'{name}' does not resolve");

    // Base-model ids as the upstream example configs write them (shared/data/dialects/models.csv).
    [Theory]
    [InlineData("meta-llama/Llama-3.3-70B-Instruct", "llama-3.3-70b")]
    [InlineData("codellama/CodeLlama-7b-hf", "codellama-7b")]
    [InlineData("codellama/CodeLlama-34b-hf", "codellama-34b")]
    [InlineData("huggyllama/llama-7b", "llama-1-7b")]
    [InlineData("openlm-research/open_llama_3b_v2", "open-llama-3b-v2")]
    [InlineData("TinyLlama/TinyLlama_v1.1", "tinyllama-1.1b")]
    [InlineData("Salesforce/xgen-7b-8k-base", "xgen-7b-8k")]
    [InlineData("01-ai/Yi-34B-Chat", "yi-34b")]
    [InlineData("HuggingFaceTB/SmolLM2-135M", "smollm2-135m")]
    [InlineData("loubnabnl/smollm2-1.7B-sft", "smollm2-1.7b")]
    [InlineData("canopylabs/orpheus-3b-0.1-pretrained", "orpheus-3b")]
    [InlineData("NousResearch/Llama-2-7b-hf", "llama-2-7b")]
    [InlineData("NousResearch/Meta-Llama-3.1-8B", "llama-3.1-8b")]
    [InlineData("meta-llama/Llama-3.2-11B-Vision-Instruct", "llama-3.2-11b-vision")]
    [InlineData("meta-llama/Llama-3.2-90B-Vision-Instruct", "llama-3.2-90b-vision")]
    [InlineData("meta-llama/Llama-4-Scout-17B-16E-Instruct", "llama-4-scout-17b-16e")]
    [InlineData("meta-llama/Llama-4-Maverick-17B-128E-Instruct", "llama-4-maverick-17b-128e")]
    public void A_corpus_model_id_resolves_to_its_catalog_model(string name, string id) => Assert.Equal(id, Model(name).Id);

    [Fact]
    public void Code_Llama_7b_has_the_16_infilling_tokens_its_34b_lacks()
    {
        // Meta's params.json: vocab 32016 for 7B/13B (infilling), 32000 for 34B.
        Assert.Equal(32016, Model("codellama-7b").Architecture.VocabSize);
        Assert.Equal(32000, Model("codellama-34b").Architecture.VocabSize);
        Assert.Equal(8, Model("codellama-34b").Architecture.KeyValueHeads);
    }

    [Fact]
    public void Orpheus_extends_llama_3_2_3b_with_an_untied_audio_token_head()
    {
        var orpheus = Model("orpheus-3b").Structure;
        var llama = Model("llama-3.2-3b").Structure;
        Assert.Equal(llama.BlockLinearParameters, orpheus.BlockLinearParameters);
        Assert.Equal(156940L * 3072, orpheus.LmHeadParameters);
        Assert.Equal(0, llama.LmHeadParameters);
    }

    [Fact]
    public void Llama_3_2_vision_has_cross_attention_blocks_that_a_q_proj_target_also_reaches()
    {
        var s = Model("llama-3.2-11b-vision").Structure;
        var cross = s.LayerLinears.Single(l => l.ModulePath == "cross_attn.q_proj");
        var self = s.LayerLinears.Single(l => l.ModulePath == "self_attn.q_proj");
        Assert.Equal(8, s.LayersOf(cross));
        Assert.Equal(32, s.LayersOf(self));
        Assert.True(cross.MatchesTarget("q_proj") && self.MatchesTarget("q_proj"));
        // The tiled vision encoder and its projector: 895,028,755 of the 10.67B.
        Assert.Equal(895_028_755L, s.VisionParameters);
        // embed_tokens has 8 rows more than the head (the image tokens).
        Assert.Equal(8L * 4096, s.EmbeddingParameters - s.LmHeadParameters);
    }

    [Fact]
    public void Llama_4_Scout_routes_each_token_to_one_of_16_experts_in_every_block()
    {
        var s = Model("llama-4-scout-17b-16e").Structure;
        Assert.Equal(48, s.Architecture.SparseLayers);
        var experts = s.LayerLinears.Single(l => l.ModulePath == "feed_forward.experts.gate_up_proj");
        Assert.Equal((16, 1, 2 * 8192), (experts.Copies, experts.ActiveCopies, experts.OutFeatures));
        Assert.Contains(s.LayerLinears, l => l.ModulePath == "feed_forward.shared_expert.down_proj");
        // Every expert is held in memory (108.6B with the vision tower); each token computes about 17B.
        Assert.Equal(108_641_793_536L, s.TotalParameters);
        Assert.InRange(s.ActiveParameters, 16_500_000_000L, 17_500_000_000L);
    }

    [Fact]
    public void Llama_4_Maverick_interleaves_dense_and_expert_blocks()
    {
        var s = Model("llama-4-maverick-17b-128e").Structure;
        Assert.Equal(24, s.Architecture.SparseLayers);
        var dense = s.LayerLinears.Single(l => l.ModulePath == "feed_forward.gate_proj");
        Assert.Equal((24, 16384), (s.LayersOf(dense), dense.OutFeatures));
        Assert.Equal(128, s.LayerLinears.Single(l => l.Name == "router").OutFeatures);
        // PEFT's "gate_proj" reaches the dense MLPs and the shared expert, not the fused expert weights.
        Assert.DoesNotContain(s.LayerLinears, l => l.ModulePath.StartsWith("feed_forward.experts", StringComparison.Ordinal) && l.MatchesTarget("gate_proj"));
    }
}
