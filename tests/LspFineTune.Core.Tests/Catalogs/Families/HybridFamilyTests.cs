using LspFineTune.Core.Catalogs;
using LspFineTune.Core.Estimation;
using LspFineTune.Core.Planning;
using LspFineTune.Core.Tests.Estimation;

namespace LspFineTune.Core.Tests.Catalogs.Families;

/// <summary>
/// The hybrid families (Qwen3.5, Qwen3-Next, Falcon-H1, Nemotron-H, Jamba, Mamba, LFM2): what a user notices is that
/// the hub ids their configs name resolve, that their LoRA targets (the Hugging Face module names) adapt what PEFT adapts,
/// and that long sequences cost quadratic attention only in the blocks that have it.
/// </summary>
public sealed class HybridFamilyTests
{
    private static readonly ModelCatalog Catalog = ModelCatalog.Default;

    private static ModelStructure Structure(string id) => Catalog.Find(id)?.Structure ?? throw new Xunit.Sdk.XunitException($"{id} does not resolve");

    private static ModelArchitecture Read(string json)
    {
        var result = HuggingFaceConfigReader.Read(json);
        Assert.True(result.Success, string.Join("; ", result.Errors));
        return result.Architecture!;
    }

    // The base_model values of the upstream example configs (tests/corpus, shared/data/dialects/models.csv).
    [Theory]
    [InlineData("Qwen/Qwen3.5-0.8B", "qwen3.5-0.8b")]
    [InlineData("Qwen/Qwen3.5-4B", "qwen3.5-4b")]
    [InlineData("Qwen/Qwen3.5-9B", "qwen3.5-9b")]
    [InlineData("Qwen/Qwen3.5-27B", "qwen3.5-27b")]
    [InlineData("Qwen/Qwen3.5-35B-A3B", "qwen3.5-35b-a3b")]
    [InlineData("Qwen/Qwen3.5-35B-A3B-Base", "qwen3.5-35b-a3b")]
    [InlineData("Qwen/Qwen3.5-122B-A10B", "qwen3.5-122b-a10b")]
    [InlineData("Qwen/Qwen3.5-397B-A17B", "qwen3.5-397b-a17b")]
    [InlineData("Qwen/Qwen3-Next-80B-A3B-Instruct", "qwen3-next-80b-a3b")]
    [InlineData("tiiuae/Falcon-H1-0.5B-Instruct", "falcon-h1-0.5b")]
    [InlineData("tiiuae/Falcon-H1-3B-Base", "falcon-h1-3b")]
    [InlineData("tiiuae/Falcon-H1-7B-Base", "falcon-h1-7b")]
    [InlineData("nvidia/NVIDIA-Nemotron-3-Nano-30B-A3B-BF16", "nemotron-3-nano-30b-a3b")]
    [InlineData("nvidia/NVIDIA-Nemotron-3-Super-120B-A12B-BF16", "nemotron-3-super-120b-a12b")]
    [InlineData("ai21labs/Jamba-v0.1", "jamba-v0.1")]
    [InlineData("ai21labs/AI21-Jamba-1.5-Large", "jamba-1.5-large")]
    [InlineData("state-spaces/mamba-2.8b", "mamba-2.8b")]
    [InlineData("LiquidAI/LFM2-350M", "lfm2-350m")]
    [InlineData("LiquidAI/LFM2-8B-A1B", "lfm2-8b-a1b")]
    [InlineData("LiquidAI/LFM2-VL-450M", "lfm2-vl-450m")]
    [InlineData("moonshotai/Kimi-Linear-48B-A3B-Instruct", "kimi-linear-48b-a3b")]
    public void Corpus_base_models_resolve(string hubId, string id) => Assert.Equal(id, Catalog.Find(hubId)?.Id);

    // axolotl examples/qwen3.5/27b-qlora.yaml (with its commented linear-attention targets), qwen3-next-80b-a3b-qlora.yaml,
    // falcon-h1-7b-qlora.yaml, nemotron-h/nano-30b-a3b-qlora.yaml: every target names a module of the model.
    [Theory]
    [InlineData("qwen3.5-27b", "q_proj,k_proj,v_proj,o_proj,down_proj,up_proj,linear_attn.in_proj_qkv,linear_attn.in_proj_z,linear_attn.out_proj")]
    [InlineData("qwen3-next-80b-a3b", "linear_attn.in_proj_ba,linear_attn.in_proj_qkvz,linear_attn.out_proj,shared_expert.up_proj,shared_expert.down_proj,shared_expert.gate_proj,shared_expert_gate,q_proj,v_proj,k_proj,o_proj")]
    [InlineData("falcon-h1-7b", "q_proj,k_proj,v_proj,o_proj,in_proj,gate_proj,up_proj,down_proj")]
    [InlineData("nemotron-3-nano-30b-a3b", "q_proj,k_proj,v_proj,o_proj")]
    [InlineData("kimi-linear-48b-a3b", "gate_proj,down_proj,up_proj,q_proj,v_proj,k_proj,o_proj")]
    public void Example_lora_targets_all_name_modules_of_the_model(string id, string targets)
    {
        var lora = new LoraSettings { TargetModules = targets.Split(',') };
        Assert.Empty(LoraTargets.Unmatched(Structure(id), lora));
    }

    [Fact]
    public void Qwen3_5_linear_attention_targets_adapt_the_three_linear_attention_blocks_of_four_and_q_proj_only_the_fourth()
    {
        var structure = Structure("qwen3.5-27b");
        var matched = LoraTargets.Match(structure, new LoraSettings { TargetModules = ["in_proj_qkv", "q_proj"] });
        // 64 blocks, full attention every 4th: in_proj_qkv in 48, q_proj (query and its output gate) in 16.
        Assert.Equal(48, structure.LayersOf(matched.Single(l => l.Name == "in_proj_qkv")));
        var q = matched.Single(l => l.Name == "q_proj");
        Assert.Equal((16, 5120, 2 * 24 * 256), (structure.LayersOf(q), q.InFeatures, q.OutFeatures));
    }

    [Fact]
    public void A_down_proj_target_adapts_the_shared_expert_of_qwen3_5_moe_not_its_fused_experts()
    {
        // axolotl examples/qwen3.5/35b-a3b-moe-vision-lora.yaml targets down_proj; transformers v5 keeps the 256 routed
        // experts as one 3D parameter, which PEFT's target_modules cannot reach (its comment: use lora_target_parameters).
        var budget = new ParameterBudget(TestPlans.Catalog("qwen3.5-35b-a3b").WithLora(8, "down_proj"));
        Assert.Equal(["mlp.shared_expert.down_proj"], budget.AdaptedLinears.Select(l => l.ModulePath));
        Assert.Equal(40L * 8 * (512 + 2048), budget.AdapterParameters);
    }

    [Fact]
    public void Hybrid_attention_at_32k_tokens_costs_a_fraction_of_a_same_size_dense_model()
    {
        // Qwen3.5-27B (16 of 64 blocks attend) against Qwen2.5-32B (64 of 64): the per-token quadratic term is
        // 2 s/2 a (d + d) per attention block, so the hybrid pays 16 x 24 x 256 against 64 x 40 x 128 head-widths.
        const int Tokens = 32768;
        var hybrid = TrainingFlops.AttentionForward(AttentionKind.Flash, Structure("qwen3.5-27b").Architecture, Tokens);
        var dense = TrainingFlops.AttentionForward(AttentionKind.Flash, Structure("qwen2.5-32b").Architecture, Tokens);
        Assert.Equal(2.0 * 24 * 512 * 16 * Tokens / 2, hybrid, 6);
        Assert.True(hybrid < dense / 3, $"hybrid {hybrid:E3} vs dense {dense:E3}");

        // Nemotron 3 Nano attends in 6 of 52 blocks, Jamba in 4 of 32, Kimi-Linear in 7 of 27 (MLA), Mamba in none.
        Assert.Equal(7, Structure("kimi-linear-48b-a3b").Architecture.FullAttentionLayers);
        Assert.Equal(6, Structure("nemotron-3-nano-30b-a3b").Architecture.FullAttentionLayers);
        Assert.Equal(4, Structure("jamba-v0.1").Architecture.FullAttentionLayers);
        Assert.Equal(0, TrainingFlops.AttentionForward(AttentionKind.Flash, Structure("mamba-2.8b").Architecture, Tokens));
        // Falcon-H1 runs attention beside its Mamba mixer in every block: no saving there.
        Assert.Equal(44, Structure("falcon-h1-7b").Architecture.FullAttentionLayers);
    }

    [Fact]
    public void The_multi_token_prediction_head_is_in_the_checkpoint_but_not_in_memory()
    {
        // Nemotron 3 Super's BF16 checkpoint: 123,611,012,096 parameters, of which the MTP layer is 2,942,324,736
        // (safetensors headers as quoted in CMander02/ModelSheet); transformers drops mtp.* on load.
        var super = Structure("nemotron-3-super-120b-a12b");
        Assert.Equal(2_942_324_736L, super.CheckpointOnlyParameters);
        Assert.Equal(123_611_012_096L - 2_942_324_736L, super.TotalParameters);
        // Qwen3.5-27B as its MTP-less re-upload (unsloth/Qwen3.5-27B) counts it: 27,356,728,560.
        Assert.Equal(27_356_728_560L, Structure("qwen3.5-27b").TotalParameters);
    }

    [Fact]
    public void A_nemotron_h_config_json_with_a_hybrid_pattern_reads_its_mamba_attention_and_expert_blocks()
    {
        // A trimmed Nemotron-H config.json as a user's Hugging Face cache holds it: 4 Mamba, 1 attention, 2 MoE, 1 MLP.
        var arch = Read("""
            { "model_type": "nemotron_h", "hidden_size": 256, "num_hidden_layers": 8, "hybrid_override_pattern": "ME*EM-MM",
              "num_attention_heads": 4, "num_key_value_heads": 2, "head_dim": 64, "intermediate_size": 512, "vocab_size": 1000,
              "mamba_num_heads": 8, "mamba_head_dim": 32, "n_groups": 2, "ssm_state_size": 16, "n_routed_experts": 4,
              "num_experts_per_tok": 2, "moe_intermediate_size": 128, "moe_shared_expert_intermediate_size": 256 }
            """);
        Assert.Equal((1, 7, 2), (arch.FullAttentionLayers, arch.LinearMixerLayers, arch.SparseLayers));
        Assert.Equal(256, arch.SharedExpertIntermediateSize);
        var structure = ModelStructureBuilder.Build(arch);
        var inProj = structure.LayerLinears.Single(l => l.ModulePath == "mixer.in_proj");
        // in_proj: z and x (2 x 256), B and C (2 x 2 groups x 16), dt (8 heads).
        Assert.Equal((4, 2 * 256 + 2 * 2 * 16 + 8), (structure.LayersOf(inProj), inProj.OutFeatures));
        Assert.Equal(1, structure.LayersOf(structure.LayerLinears.Single(l => l.ModulePath == "mixer.up_proj")));
    }

    [Fact]
    public void A_qwen3_5_config_json_without_layer_types_attends_every_full_attention_interval_th_block()
    {
        var arch = Read("""
            { "model_type": "qwen3_5_text", "hidden_size": 512, "num_hidden_layers": 12, "intermediate_size": 1024,
              "num_attention_heads": 4, "num_key_value_heads": 2, "vocab_size": 1000, "full_attention_interval": 3 }
            """);
        Assert.Equal((4, 8), (arch.FullAttentionLayers, arch.LinearMixerLayers));
    }

    [Fact]
    public void A_mamba_config_json_has_no_attention_heads_and_reads_as_attention_free()
    {
        // state-spaces/mamba-130m-hf's config.json shape: no num_attention_heads key.
        var arch = Read("""
            { "model_type": "mamba", "hidden_size": 768, "num_hidden_layers": 24, "intermediate_size": 1536, "vocab_size": 50280,
              "state_size": 16, "conv_kernel": 4, "time_step_rank": 48, "use_bias": false, "use_conv_bias": true, "tie_word_embeddings": true }
            """);
        Assert.Equal(0, arch.FullAttentionLayers);
        // mamba-130m-hf: 129,135,360 parameters (HF Hub safetensors total in AlexsJones/llmfit's hf_models.json).
        Assert.Equal(129_135_360L, ModelStructureBuilder.Build(arch).TotalParameters);
    }
}
