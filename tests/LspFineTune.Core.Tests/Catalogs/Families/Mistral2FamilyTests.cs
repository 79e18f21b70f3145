using LspFineTune.Core.Catalogs;

namespace LspFineTune.Core.Tests.Catalogs.Families;

/// <summary>Mistral Small 4, Ministral 3 (mistral3.json), Voxtral (voxtral.json) and the TinyLlama reward model alias.</summary>
public sealed class Mistral2FamilyTests
{
    private static CatalogModel Model(string name) => ModelCatalog.Default.Find(name) ?? throw new Xunit.Sdk.XunitException($"'{name}' does not resolve");

    // The ids the corpus configs name (axolotl examples/mistral4, ministral3, voxtral; torchtune's llama2 PPO recipe).
    [Theory]
    [InlineData("axolotl-ai-co/Mistral-Small-4-119B-2603-BF16", "mistral-small-4-119b")]
    [InlineData("mistralai/Mistral-Small-4-119B-2603", "mistral-small-4-119b")]
    [InlineData("mistralai/Ministral-3-3B-Reasoning-2512", "ministral-3-3b")]
    [InlineData("mistralai/Ministral-3-14B-Instruct-2512", "ministral-3-14b")]
    [InlineData("mistralai/Voxtral-Mini-3B-2507", "voxtral-mini-3b")]
    [InlineData("smohammadi/tinyllama_rm_sentiment_1b", "tinyllama-1.1b")]
    public void A_corpus_model_id_resolves_to_its_catalog_model(string name, string id) => Assert.Equal(id, Model(name).Id);

    [Fact]
    public void Mistral_small_4_is_latent_attention_with_128_experts_4_routed_and_a_shared_expert()
    {
        var s = Model("mistral-small-4-119b").Structure;
        var paths = s.LayerLinears.Select(l => l.ModulePath).ToList();
        // modeling_mistral4.py: q_a_proj/q_b_proj (q_lora_rank 1024), kv_a_proj_with_mqa/kv_b_proj (kv_lora_rank 256), o_proj.
        Assert.Contains("self_attn.q_a_proj", paths);
        Assert.Contains("self_attn.kv_a_proj_with_mqa", paths);
        Assert.DoesNotContain("self_attn.k_proj", paths);
        var q = s.LayerLinears.Single(l => l.ModulePath == "self_attn.q_a_proj");
        Assert.Equal((4096, 1024), (q.InFeatures, q.OutFeatures));
        var kv = s.LayerLinears.Single(l => l.ModulePath == "self_attn.kv_a_proj_with_mqa");
        Assert.Equal(256 + 64, kv.OutFeatures);

        var expert = s.LayerLinears.Single(l => l.ModulePath == "mlp.experts.{e}.gate_proj");
        Assert.Equal((128, 4, 2048), (expert.Copies, expert.ActiveCopies, expert.OutFeatures));
        // Every block is sparse (first_k_dense_replace 0) and keeps one always-on shared expert of moe_intermediate_size.
        Assert.Equal(36, s.LayersOf(expert));
        var shared = s.LayerLinears.Single(l => l.ModulePath == "mlp.shared_experts.gate_proj");
        Assert.Equal((1, 2048), (shared.Copies, shared.OutFeatures));
        Assert.DoesNotContain("mlp.gate_proj", paths);

        // 119B held, about 6.6B touched per token with the embeddings and head: a 4-of-128 MoE, not a dense 119B.
        Assert.InRange(s.TotalParameters, 118_000_000_000L, 120_000_000_000L);
        Assert.InRange(s.ActiveParameters, 6_000_000_000L, 7_000_000_000L);
    }

    [Fact]
    public void Ministral_3_ties_the_3b_head_to_its_embedding_but_not_the_14b()
    {
        // Megatron-Bridge Ministral3ModelProvider3B: share_embeddings_and_output_weights True; the 14B keeps lm_head.
        var small = Model("ministral-3-3b").Structure;
        Assert.Equal(0, small.LmHeadParameters);
        Assert.Equal(131072L * 3072, small.EmbeddingParameters);
        Assert.Equal(131072L * 5120, Model("ministral-3-14b").Structure.LmHeadParameters);
        // A Mistral decoder under the VLM's language_model prefix: 26 blocks of grouped-query attention (8 kv heads).
        var k = small.LayerLinears.Single(l => l.ModulePath == "self_attn.k_proj");
        Assert.Equal((3072, 8 * 128), (k.InFeatures, k.OutFeatures));
        Assert.Equal(26, small.Layers);
    }

    [Fact]
    public void Voxtral_counts_its_whisper_audio_tower_and_projector_beside_the_llama_decoder()
    {
        var s = Model("voxtral-mini-3b").Structure;
        // Audio encoder: conv1 492,800 + conv2 4,916,480 + positions 1,920,000 + 32 blocks x 19,676,160 + layer_norm 2,560
        // = 636,968,960; projector linear_1 (5120 -> 3072) + linear_2 (3072 -> 3072) = 25,165,824.
        Assert.Equal(662_134_784L, s.VisionParameters);
        // The Llama text model: 30 blocks, 3072 wide, untied 131072-token head.
        Assert.Equal(4_014_136_320L, s.TextParameters);
        // LoRA adapters go on the decoder's linears only; the audio tower has none in the block list.
        Assert.All(s.LayerLinears, l => Assert.DoesNotContain("fc1", l.ModulePath));
        Assert.Contains(s.LayerLinears, l => l.ModulePath == "self_attn.q_proj" && l.InFeatures == 3072);
    }

    [Fact]
    public void The_tinyllama_reward_model_reads_as_tinyllama_shapes()
    {
        // torchtune llama2_classifier with the TinyLlama_v1.1 dims (22 layers, 2048 wide, 4 kv heads); only the head differs.
        var a = Model("smohammadi/tinyllama_rm_sentiment_1b").Architecture;
        Assert.Equal((22, 2048, 5632, 4), (a.NumHiddenLayers, a.HiddenSize, a.IntermediateSize, a.KeyValueHeads));
    }
}
