using LspFineTune.Core.Catalogs;

namespace LspFineTune.Core.Tests.Catalogs.Families;

/// <summary>
/// What a user of the Gemma 3/4, DeepSeek, GLM, gpt-oss, MiniMax, Seed-OSS, AFM, Apertus, OLMo 3 and Command R7B
/// families notices: the hub ids real configs name resolve, the LoRA targets carry the Hugging Face module names,
/// and the block shapes that differ from Llama (windowed blocks, dense-then-sparse blocks, latent attention,
/// global blocks without v_proj) are the ones the estimate uses. Parameter totals are checked for every catalog model
/// by <see cref="ModelCatalogTests"/>.
/// </summary>
public sealed class EastFamilyTests
{
    private static CatalogModel Model(string name) => ModelCatalog.Default.Find(name) ?? throw new Xunit.Sdk.XunitException($"'{name}' is not in the catalog");

    [Theory]
    [InlineData("google/gemma-3-12b-it", "gemma-3-12b")]
    [InlineData("google/gemma-3-270m-it", "gemma-3-270m")]
    [InlineData("google/gemma-4-26B-A4B", "gemma-4-26b-a4b")]
    [InlineData("nvidia/Gemma-4-26B-A4B-NVFP4", "gemma-4-26b-a4b")]
    [InlineData("google/gemma-4-12B-it", "gemma-4-12b")]
    [InlineData("zai-org/GLM-4.7-Flash", "glm-4.7-flash")]
    [InlineData("zai-org/GLM-4.6", "glm-4.5")]
    [InlineData("openai/gpt-oss-safeguard-20b", "gpt-oss-20b")]
    [InlineData("axolotl-ai-co/gpt-oss-120b-dequantized", "gpt-oss-120b")]
    [InlineData("deepseek-ai/DeepSeek-V3-0324-BF16", "deepseek-v3")]
    [InlineData("deepseek-ai/DeepSeek-R1", "deepseek-v3")]
    [InlineData("allenai/Olmo-3-7B-Instruct-SFT", "olmo-3-7b")]
    [InlineData("swiss-ai/Apertus-8B-Instruct-2509", "apertus-8b")]
    [InlineData("ByteDance-Seed/Seed-OSS-36B-Instruct", "seed-oss-36b")]
    public void Hub_ids_from_real_configs_resolve(string hubId, string id) => Assert.Equal(id, Model(hubId).Id);

    [Fact]
    public void Gemma3_windows_five_of_every_six_blocks_and_its_vision_tower_includes_the_projector()
    {
        var model = Model("gemma-3-12b");
        Assert.Equal((40, 1024), (model.Architecture.SlidingWindowLayers, model.Architecture.SlidingWindow!.Value));
        // SigLIP-so400m at 896 px (416,866,032) plus mm_soft_emb_norm (1152) and mm_input_projection_weight (1152 x 3840).
        Assert.Equal(416_866_032L + 1152 + 1152L * 3840, model.Structure.VisionParameters);
        // q_norm and k_norm of head_dim and four norms a block: 1,024 + 4 x 3,840 weights.
        Assert.Equal(2 * 256 + 4 * 3840, model.Structure.LayerNormParameters);
    }

    [Fact]
    public void Gemma4_global_blocks_reuse_keys_as_values_so_only_the_sliding_blocks_have_v_proj()
    {
        var structure = Model("gemma-4-31b").Structure;
        var v = Assert.Single(structure.LayerLinears, l => l.Name == "v_proj");
        Assert.Equal((50, 16 * 256), (structure.LayersOf(v), v.OutFeatures));
        var globalQuery = structure.LayerLinears.Single(l => l.Name == "q_proj" && structure.LayersOf(l) == 10);
        Assert.Equal(32 * 512, globalQuery.OutFeatures);
        // The card's 30.7B is the language model alone.
        Assert.Equal(30_697_345_280L, structure.TextParameters);
    }

    [Fact]
    public void Gemma4_moe_runs_eight_of_128_fused_experts_beside_its_dense_mlp()
    {
        var structure = Model("gemma-4-26b-a4b").Structure;
        var experts = structure.LayerLinears.Single(l => l.ModulePath == "experts.gate_up_proj");
        Assert.Equal((128, 8, 2 * 704), (experts.Copies, experts.ActiveCopies, experts.OutFeatures));
        Assert.Contains(structure.LayerLinears, l => l.ModulePath == "mlp.gate_proj" && structure.LayersOf(l) == 30);
        Assert.InRange(structure.ActiveParameters, 3_750_000_000L, 3_850_000_000L);
    }

    [Fact]
    public void Gpt_oss_names_its_router_and_fused_expert_parameters_as_transformers_does_and_alternates_a_128_token_window()
    {
        var model = Model("gpt-oss-20b");
        var structure = model.Structure;
        Assert.Contains(structure.LayerLinears, l => l.ModulePath == "mlp.router" && l.HasBias && l.OutFeatures == 32);
        var gateUp = structure.LayerLinears.Single(l => l.ModulePath == "mlp.experts.gate_up_proj");
        Assert.Equal((32, 4, 2 * 2880, true), (gateUp.Copies, gateUp.ActiveCopies, gateUp.OutFeatures, gateUp.HasBias));
        Assert.DoesNotContain(structure.LayerLinears, l => l.Name == "gate_proj");
        Assert.Equal((12, 128), (model.Architecture.SlidingWindowLayers, model.Architecture.SlidingWindow!.Value));
        // One attention sink per head in each of the 24 blocks.
        Assert.Equal(24 * 64, structure.OtherBlockParameters);
    }

    [Fact]
    public void Lora_on_all_linear_layers_of_gpt_oss_adapts_attention_and_the_router_but_not_the_expert_parameters_PEFT_cannot_reach_as_modules()
    {
        var structure = Model("gpt-oss-20b").Structure;
        var adapted = LspFineTune.Core.Estimation.LoraTargets.Match(structure, new LspFineTune.Core.Planning.LoraSettings { AllLinear = true, Rank = 8 });
        Assert.Contains(adapted, l => l.Name == "q_proj");
        Assert.Contains(adapted, l => l.ModulePath == "mlp.router");
        Assert.DoesNotContain(adapted, l => l.ModulePath.StartsWith("mlp.experts", StringComparison.Ordinal));
        // A target_modules entry naming the fused experts matches no module, as PEFT reports.
        Assert.Equal(["gate_up_proj"], LspFineTune.Core.Estimation.LoraTargets.Unmatched(structure, new LspFineTune.Core.Planning.LoraSettings { TargetModules = ["q_proj", "gate_up_proj"] }));
    }

    [Fact]
    public void DeepSeek_V3_keeps_three_dense_blocks_before_58_sparse_ones_with_a_low_rank_query()
    {
        var structure = Model("deepseek-v3").Structure;
        Assert.Equal(3, structure.LayersOf(structure.LayerLinears.Single(l => l.ModulePath == "mlp.gate_proj")));
        var expert = structure.LayerLinears.Single(l => l.ModulePath == "mlp.experts.{e}.gate_proj");
        Assert.Equal((58, 256, 8), (structure.LayersOf(expert), expert.Copies, expert.ActiveCopies));
        Assert.Contains(structure.LayerLinears, l => l.Name == "q_a_proj" && l.OutFeatures == 1536);
        // V2-Lite has no query low rank: one q_proj.
        Assert.Contains(Model("deepseek-v2-lite").Structure.LayerLinears, l => l.Name == "q_proj");
        Assert.DoesNotContain(Model("deepseek-v2-lite").Structure.LayerLinears, l => l.Name == "q_a_proj");
    }

    [Fact]
    public void Glm47_flash_is_latent_attention_over_20_heads_of_a_2048_wide_model()
    {
        var model = Model("glm-4.7-flash");
        Assert.True(model.Architecture.IsMultiHeadLatentAttention);
        Assert.Equal((256, 256), (model.Architecture.QueryKeyHeadDimension, model.Architecture.ValueHeadDimension));
        var kvB = model.Structure.LayerLinears.Single(l => l.Name == "kv_b_proj");
        Assert.Equal((512, 20 * (192 + 256)), (kvB.InFeatures, kvB.OutFeatures));
    }

    [Fact]
    public void Minimax_m2_experts_are_mixtral_style_w1_w3_w2_under_block_sparse_moe()
    {
        var structure = Model("minimax-m2").Structure;
        Assert.Equal(
            ["block_sparse_moe.experts.{e}.w1", "block_sparse_moe.experts.{e}.w3", "block_sparse_moe.experts.{e}.w2"],
            structure.LayerLinears.Where(l => l.Copies == 256).Select(l => l.ModulePath));
        Assert.True(structure.LayerLinears.Single(l => l.ModulePath == "block_sparse_moe.experts.{e}.w1").MatchesTarget("w1"));
    }

    [Theory]
    [InlineData("apertus-8b")]
    [InlineData("afm-4.5b")]
    public void Plain_mlp_families_have_no_gate_proj_for_lora_to_find(string id)
    {
        var names = Model(id).Structure.LayerLinears.Select(l => l.Name).ToList();
        Assert.Contains("up_proj", names);
        Assert.DoesNotContain("gate_proj", names);
    }

    [Fact]
    public void Seed_oss_biases_q_k_v_but_not_o_proj()
    {
        var structure = Model("seed-oss-36b").Structure;
        Assert.All(structure.LayerLinears.Where(l => l.Name is "q_proj" or "k_proj" or "v_proj"), l => Assert.True(l.HasBias));
        Assert.False(structure.LayerLinears.Single(l => l.Name == "o_proj").HasBias);
    }

    [Fact]
    public void Command_r7b_windows_three_of_every_four_blocks_and_olmo3_normalises_q_and_k_over_all_heads()
    {
        var cohere = Model("command-r7b").Architecture;
        Assert.Equal((24, 4096), (cohere.SlidingWindowLayers, cohere.SlidingWindow!.Value));
        // OLMo 3: q_norm and k_norm are 32 heads x 128 wide each, plus two block norms.
        Assert.Equal(2 * 4096 + 2 * 4096, Model("olmo-3-7b").Structure.LayerNormParameters);
    }
}
