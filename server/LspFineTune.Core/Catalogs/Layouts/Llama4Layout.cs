namespace LspFineTune.Core.Catalogs.Layouts;

/// <summary>
/// Llama 4 (transformers modeling_llama4.py). Every block has self_attn q/k/v/o_proj (the L2 qk-norm has no weights)
/// and two RMSNorms; its feed_forward is either a dense SwiGLU MLP of intermediate_size_mlp, or, in the blocks
/// config.json's interleave_moe_layer_step makes sparse, a mixture of experts: router (h -> experts, no bias), the
/// experts as fused 3-D weights experts.gate_up_proj (h -> 2 x intermediate_size) and experts.down_proj, each token
/// routed to num_experts_per_tok of them, and an always-on shared_expert MLP of intermediate_size. Untied lm_head.
/// </summary>
internal static class Llama4Layout
{
    public static ModelStructure Build(ModelArchitecture a)
    {
        int h = a.HiddenSize;
        int sparse = a.SparseLayers;
        int dense = a.NumHiddenLayers - sparse;
        int denseWidth = a.Extra.Int("intermediate_size_mlp") ?? a.IntermediateSize;
        int expertWidth = a.ExpertIntermediateSize;
        bool attentionBias = a.AttentionBias ?? false;
        var linears = new List<LinearModule>(LayoutParts.SeparateAttention(a, "self_attn", "o_proj", attentionBias, attentionBias));
        string[] mlpNames = ["gate_proj", "up_proj", "down_proj"];
        if (dense > 0)
        {
            linears.AddRange(LayoutParts.Mlp(h, denseWidth, "feed_forward", mlpNames, bias: false, layers: sparse > 0 ? dense : 0));
        }

        if (sparse > 0)
        {
            int layers = dense > 0 ? sparse : 0;
            int experts = a.Experts, active = a.ActiveExperts;
            linears.Add(new LinearModule("router", LinearRole.Router, h, experts, HasBias: false) { ModulePath = "feed_forward.router", Layers = layers });
            linears.Add(new LinearModule("gate_up_proj", LinearRole.MlpInput, h, 2 * expertWidth, HasBias: false, experts, active) { ModulePath = "feed_forward.experts.gate_up_proj", Layers = layers });
            linears.Add(new LinearModule("down_proj", LinearRole.MlpOutput, expertWidth, h, HasBias: false, experts, active) { ModulePath = "feed_forward.experts.down_proj", Layers = layers });
            linears.AddRange(LayoutParts.Mlp(h, expertWidth, "feed_forward.shared_expert", mlpNames, bias: false, layers));
        }

        return LayoutParts.RmsNormedModel(a, linears, 0);
    }

    /// <summary>
    /// Llama4VisionModel plus the multi_modal_projector: an unfolded bias-free patch linear (channels x patch^2 -> h),
    /// class embedding, a learned position table (one row per patch plus the class token), LayerNorms before and after,
    /// blocks with biased q/k/v/o_proj and fc1/fc2 and two LayerNorms, the pixel-shuffle vision_adapter MLP
    /// (fc1: intermediate_size -> projector_input_dim, fc2: projector_output_dim -> projector_output_dim, no biases),
    /// and linear_1 (vision_output_dim -> text hidden, no bias).
    /// </summary>
    public static long VisionTower(VisionTowerConfig v, ModelArchitecture text)
    {
        long h = v.HiddenSize, f = v.IntermediateSize;
        long side = (v.ImageSize ?? 0) / v.PatchSize;
        long block = 4 * (h * h + h) + (h * f + f) + (f * h + h) + 2 * LayoutParts.LayerNorm(v.HiddenSize);
        long embeddings = (long)v.Channels * v.PatchSize * v.PatchSize * h + h + (side * side + 1) * h + 2 * LayoutParts.LayerNorm(v.HiddenSize);
        long projectorIn = v.Extra.Int("projector_input_dim") ?? h;
        long projectorOut = v.Extra.Int("projector_output_dim") ?? projectorIn;
        long adapter = f * projectorIn + projectorOut * projectorOut;
        long projector = (long)(v.Extra.Int("vision_output_dim") ?? (int)projectorOut) * text.HiddenSize;
        return embeddings + v.Layers * block + adapter + projector;
    }
}
