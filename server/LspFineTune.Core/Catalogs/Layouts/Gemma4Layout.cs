namespace LspFineTune.Core.Catalogs.Layouts;

/// <summary>
/// Gemma 4's text decoder (transformers modular_gemma4.py Gemma4TextAttention / Gemma4TextDecoderLayer; the encoder-free
/// gemma4_unified text model is the same decoder without experts and per-layer embeddings). Sliding and global blocks
/// differ in shape, so their attention linears are listed once per kind with the number of blocks holding them:
/// sliding blocks have head_dim heads and num_key_value_heads; global blocks have global_head_dim heads (config class
/// default 512) and, when attention_k_eq_v, num_global_key_value_heads keys that double as values (no v_proj).
/// Every block has q_norm and k_norm of its head width, a GeGLU MLP and four RMSNorms; with enable_moe_block a block
/// adds a router (a bias-free proj to num_experts, a scale of hidden_size and a per_expert_scale of num_experts),
/// experts whose gate_up_proj and down_proj are fused parameters of experts.* (PEFT's target_parameters), running
/// top_k_experts of them beside the dense MLP, and three more RMSNorms. Per-layer embeddings
/// (hidden_size_per_layer_input, the E2B/E4B models) add per_layer_input_gate / per_layer_projection and a norm to
/// every block, and a packed per-layer embedding table, its model projection and norm. KV-shared blocks
/// (num_kv_shared_layers) are not modelled: they would drop k/v projections this count keeps.
/// </summary>
internal static class Gemma4Layout
{
    /// <summary>Gemma4TextConfig.__post_init__ pops global_head_dim with this default.</summary>
    private const int DefaultGlobalHeadDim = 512;

    public static ModelStructure Build(ModelArchitecture a)
    {
        var x = a.Extra;
        int h = a.HiddenSize;
        int heads = a.NumAttentionHeads;
        int sliding = a.SlidingWindowLayers;
        int global = a.NumHiddenLayers - sliding;
        int slidingDim = a.HeadDimension;
        int globalDim = x.Int("global_head_dim") ?? DefaultGlobalHeadDim;
        bool keysAreValues = (x["attention_k_eq_v"] ?? 0) != 0;
        int globalKv = keysAreValues && x.Int("num_global_key_value_heads") is { } g ? g : a.KeyValueHeads;
        bool bias = a.AttentionBias ?? false;

        var linears = new List<LinearModule>();
        void Attention(int blocks, int headDim, int kvHeads, bool values)
        {
            if (blocks <= 0)
                return;
            int layers = blocks == a.NumHiddenLayers ? 0 : blocks;
            linears.Add(new LinearModule("q_proj", LinearRole.AttentionInput, h, heads * headDim, bias) { ModulePath = "self_attn.q_proj", Layers = layers });
            linears.Add(new LinearModule("k_proj", LinearRole.AttentionInput, h, kvHeads * headDim, bias) { ModulePath = "self_attn.k_proj", Layers = layers });
            if (values)
                linears.Add(new LinearModule("v_proj", LinearRole.AttentionInput, h, kvHeads * headDim, bias) { ModulePath = "self_attn.v_proj", Layers = layers });
            linears.Add(new LinearModule("o_proj", LinearRole.AttentionOutput, heads * headDim, h, bias) { ModulePath = "self_attn.o_proj", Layers = layers });
        }

        Attention(sliding, slidingDim, a.KeyValueHeads, values: true);
        Attention(global, globalDim, globalKv, values: !keysAreValues);
        linears.AddRange(LayoutParts.Mlp(h, a.IntermediateSize, "mlp", ["gate_proj", "up_proj", "down_proj"], bias: false, layers: 0));

        // q_norm and k_norm are as wide as a head, which differs between sliding and global blocks.
        long other = 2L * (sliding * slidingDim + global * globalDim);
        long blockNorms = 4L * h;
        var architecture = a;
        if ((x["enable_moe_block"] ?? 0) != 0 && a.Experts > 1)
        {
            int experts = a.Experts;
            int topK = x.Int("top_k_experts") ?? a.ActiveExperts;
            int width = a.ExpertIntermediateSize;
            linears.Add(new LinearModule("proj", LinearRole.Router, h, experts, HasBias: false) { ModulePath = "router.proj" });
            linears.Add(new LinearModule("gate_up_proj", LinearRole.MlpInput, h, 2 * width, HasBias: false, experts, topK) { ModulePath = "experts.gate_up_proj", IsParameter = true });
            linears.Add(new LinearModule("down_proj", LinearRole.MlpOutput, width, h, HasBias: false, experts, topK) { ModulePath = "experts.down_proj", IsParameter = true });
            other += (long)a.NumHiddenLayers * (h + experts);
            blockNorms += 3L * h;
            architecture = a with { NumExpertsPerTok = topK };
        }

        long embedding = LayoutParts.Embedding(a);
        if (x.Int("hidden_size_per_layer_input") is > 0 and var perLayer)
        {
            linears.Add(new LinearModule("per_layer_input_gate", LinearRole.MlpInput, h, perLayer, HasBias: false) { ModulePath = "per_layer_input_gate" });
            linears.Add(new LinearModule("per_layer_projection", LinearRole.MlpOutput, perLayer, h, HasBias: false) { ModulePath = "per_layer_projection" });
            blockNorms += h;
            long packed = (long)a.NumHiddenLayers * perLayer;
            long perLayerVocab = x.Int("vocab_size_per_layer_input") ?? a.VocabSize;
            // embed_tokens_per_layer, per_layer_model_projection (h -> layers x per-layer width) and per_layer_projection_norm.
            embedding += perLayerVocab * packed + h * packed + perLayer;
        }

        return new ModelStructure
        {
            Architecture = architecture,
            LayerLinears = linears,
            LayerNormParameters = blockNorms,
            OtherBlockParameters = other,
            EmbeddingParameters = embedding,
            FinalNormParameters = LayoutParts.RmsNorm(h),
            LmHeadParameters = LayoutParts.UntiedHead(a),
            GatedMlp = true,
            VisionParameters = a.Vision is { } vision ? ModelLayouts.VisionTower(vision, a) : 0,
        };
    }
}
