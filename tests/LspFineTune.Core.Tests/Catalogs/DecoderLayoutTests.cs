using LspFineTune.Core.Catalogs;
using LspFineTune.Core.Estimation;
using LspFineTune.Core.Planning;

namespace LspFineTune.Core.Tests.Catalogs;

/// <summary>The generic decoder's architectures, read from config.json text as a user's Hugging Face cache holds it.</summary>
public sealed class DecoderLayoutTests
{
    private static ModelArchitecture Read(string json)
    {
        var result = HuggingFaceConfigReader.Read(json);
        Assert.True(result.Success, string.Join("; ", result.Errors));
        return result.Architecture!;
    }

    // DeepSeek-V2-Lite's published config.json (huggingface.co/deepseek-ai/DeepSeek-V2-Lite): MLA without a query
    // low rank, 64 routed experts (top 6) and 2 shared, the first block dense.
    private const string DeepSeekV2Lite = """
        { "model_type": "deepseek_v2", "hidden_size": 2048, "num_hidden_layers": 27, "num_attention_heads": 16,
          "num_key_value_heads": 16, "intermediate_size": 10944, "moe_intermediate_size": 1408, "n_routed_experts": 64,
          "n_shared_experts": 2, "num_experts_per_tok": 6, "first_k_dense_replace": 1, "moe_layer_freq": 1,
          "kv_lora_rank": 512, "q_lora_rank": null, "qk_nope_head_dim": 128, "qk_rope_head_dim": 64, "v_head_dim": 128,
          "vocab_size": 102400, "tie_word_embeddings": false }
        """;

    [Fact]
    public void Latent_attention_with_shared_experts_and_a_dense_first_block_counts_as_derived_by_hand()
    {
        var structure = ModelStructureBuilder.Build(Read(DeepSeekV2Lite) with { Layout = "decoder", Decoder = DecoderOptions.Llama with { SharedExpert = "shared_experts" } });
        // Per block: q_proj 2048x(16x192), kv_a 2048x(512+64), kv_b 512x(16x256), o 2048x2048; norms 2h + kv_a_layernorm 512.
        // Block 0: dense MLP 3 x 2048 x 10944. Blocks 1..26: router 2048x64, 64 experts x 3 x 2048 x 1408, shared 3 x 2048 x 2816.
        // Embedding and untied head 102400 x 2048 each, final norm 2048: 15,706,484,224 (model card: 15.7B).
        Assert.Equal(15_706_484_224L, structure.TotalParameters);
        Assert.Equal(26, structure.Architecture.SparseLayers);
        Assert.Contains(structure.LayerLinears, l => l.Name == "kv_a_proj_with_mqa" && l.OutFeatures == 576);
        Assert.Equal(1, structure.LayersOf(structure.LayerLinears.First(l => l.ModulePath == "mlp.gate_proj")));
        // Active: six routed experts instead of 64; without the input embedding that is the card's 2.4B.
        Assert.Equal(2_451_435_008L, structure.ActiveParameters - structure.EmbeddingParameters);
        // Attention scores use the 192-wide query/key heads and 128-wide values.
        Assert.Equal((192, 128), (structure.Architecture.QueryKeyHeadDimension, structure.Architecture.ValueHeadDimension));
    }

    [Fact]
    public void Gemma3_style_layer_types_give_five_sliding_blocks_per_global_one_and_flash_attention_flops_stop_growing_past_the_window()
    {
        var types = string.Join(", ", Enumerable.Range(0, 12).Select(i => (i + 1) % 6 == 0 ? "\"full_attention\"" : "\"sliding_attention\""));
        var arch = Read($$"""{ "model_type": "llama", "hidden_size": 1024, "num_hidden_layers": 12, "num_attention_heads": 8, "intermediate_size": 4096, "vocab_size": 1000, "sliding_window": 512, "layer_types": [{{types}}] }""");
        Assert.Equal((10, 2, 512), (arch.SlidingWindowLayers, arch.FullAttentionLayers, arch.SlidingWindow!.Value));
        // Per token at 32k: the two global blocks pay s/2 each, the ten windowed ones about w each.
        var longContext = TrainingFlops.AttentionForward(AttentionKind.Flash, arch, 32768);
        var perContext = 2.0 * 8 * (128 + 128);
        Assert.Equal(perContext * (2 * 16384 + 10 * (512 - 512.0 * 512 / (2 * 32768))), longContext, 6);
        // Eager materialises every score regardless of the window.
        Assert.Equal(perContext * 12 * 32768, TrainingFlops.AttentionForward(AttentionKind.Eager, arch, 32768), 6);
    }

    [Fact]
    public void Qwen2_turns_its_sliding_window_off_unless_use_sliding_window_is_set()
    {
        var arch = Read("""{ "model_type": "qwen2", "hidden_size": 896, "num_hidden_layers": 24, "num_attention_heads": 14, "num_key_value_heads": 2, "intermediate_size": 4864, "vocab_size": 151936, "sliding_window": 32768, "use_sliding_window": false }""");
        Assert.Equal(0, arch.SlidingWindowLayers);
        Assert.Null(arch.SlidingWindow);
    }

    [Fact]
    public void A_nested_vision_language_config_reads_its_text_config_and_counts_the_tower()
    {
        // A model_type no family file claims gets the generic ViT tower (llava.json counts LLaVA's CLIP/Pixtral towers exactly).
        var arch = Read("""
            { "model_type": "example_vlm", "text_config": { "model_type": "llama", "hidden_size": 256, "num_hidden_layers": 2,
              "num_attention_heads": 4, "intermediate_size": 512, "vocab_size": 1000 },
              "vision_config": { "hidden_size": 64, "intermediate_size": 128, "num_hidden_layers": 2, "patch_size": 14, "image_size": 28 } }
            """);
        Assert.Equal(256, arch.HiddenSize);
        var structure = ModelStructureBuilder.Build(arch);
        // ViT: 2 blocks x (4 x (64^2 + 64) + 2 x 64 x 128 + 128 + 64 + 4 x 64) + patch 3 x 14^2 x 64 + 64 + 4 positions x 64 + final LayerNorm 128.
        long block = 4 * (64 * 64 + 64) + (64 * 128 + 128) + (128 * 64 + 64) + 4 * 64;
        Assert.Equal(2 * block + (3 * 14 * 14 * 64 + 64) + 4 * 64 + 128, structure.VisionParameters);
        Assert.Equal(structure.TextParameters + structure.VisionParameters, structure.TotalParameters);
    }

    [Fact]
    public void An_architecture_built_in_code_takes_its_layout_from_the_family_that_owns_its_model_type()
    {
        var gpt2 = new ModelArchitecture { ModelType = "gpt2", NumHiddenLayers = 1, HiddenSize = 64, IntermediateSize = 256, NumAttentionHeads = 4, VocabSize = 100, MaxPositionEmbeddings = 16, TieWordEmbeddings = true };
        Assert.Equal("gpt2", gpt2.Layout);
        Assert.Contains(ModelStructureBuilder.Build(gpt2).LayerLinears, l => l.Name == "c_attn");
    }

    [Fact]
    public void A_config_json_with_an_absurd_depth_is_refused_instead_of_walked_block_by_block()
    {
        var result = HuggingFaceConfigReader.Read("""{ "model_type": "qwen2_moe", "hidden_size": 64, "num_hidden_layers": 2000000000, "num_attention_heads": 4, "intermediate_size": 128, "vocab_size": 100, "num_experts": 4, "mlp_only_layers": [1, 2] }""");
        Assert.False(result.Success);
        Assert.Contains(result.Errors, e => e.Contains("num_hidden_layers"));
    }

    [Fact]
    public void A_vision_config_with_a_zero_patch_size_is_an_error_not_a_crash()
    {
        var result = HuggingFaceConfigReader.Read("""
            { "model_type": "example_vlm", "text_config": { "model_type": "llama", "hidden_size": 64, "num_hidden_layers": 1,
              "num_attention_heads": 4, "intermediate_size": 128, "vocab_size": 100 },
              "vision_config": { "hidden_size": 32, "intermediate_size": 64, "num_hidden_layers": 1, "patch_size": 0, "image_size": 28 } }
            """);
        Assert.False(result.Success);
        Assert.NotEmpty(result.Errors);
    }
}
