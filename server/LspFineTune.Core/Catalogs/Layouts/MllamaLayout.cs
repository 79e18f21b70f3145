namespace LspFineTune.Core.Catalogs.Layouts;

/// <summary>
/// Llama 3.2 Vision (transformers modeling_mllama.py). The text model is Llama with cross-attention blocks at the
/// indices text_config.cross_attention_layers lists: those blocks replace self_attn by cross_attn (q/k/v/o_proj,
/// q_norm and k_norm of head_dim) and add two scalar tanh gates (cross_attn_attn_gate, cross_attn_mlp_gate); every
/// block keeps the SwiGLU MLP and two RMSNorms. embed_tokens has vocab_size + 8 rows (the image tokens), lm_head
/// vocab_size. num_hidden_layers counts both kinds of block.
/// </summary>
internal static class MllamaLayout
{
    /// <summary>MllamaTextModel: nn.Embedding(config.vocab_size + 8, hidden_size).</summary>
    private const int ExtraEmbeddingRows = 8;

    public static ModelStructure Build(ModelArchitecture a)
    {
        int h = a.HiddenSize;
        int cross = Math.Clamp(a.Extra.Int("cross_attention_layers.count") ?? 0, 0, a.NumHiddenLayers);
        int self = a.NumHiddenLayers - cross;
        var linears = new List<LinearModule>();
        linears.AddRange(Attention(a, "self_attn", self, cross));
        linears.AddRange(Attention(a, "cross_attn", cross, self));
        linears.AddRange(LayoutParts.GatedMlp(a, a.MlpBias ?? false));
        return new ModelStructure
        {
            Architecture = a,
            LayerLinears = linears,
            LayerNormParameters = 2 * LayoutParts.RmsNorm(h),
            // q_norm + k_norm (head_dim each) and the two gates of every cross-attention block.
            OtherBlockParameters = cross * (2L * a.HeadDimension + 2),
            EmbeddingParameters = (long)(a.VocabSize + ExtraEmbeddingRows) * h,
            FinalNormParameters = LayoutParts.RmsNorm(h),
            LmHeadParameters = LayoutParts.UntiedHead(a),
            GatedMlp = true,
            VisionParameters = a.Vision is { } vision ? ModelLayouts.VisionTower(vision, a) : 0,
        };
    }

    /// <summary>q/k/v/o of the blocks of one kind (<paramref name="blocks"/> of them; none when the other kind fills the model).</summary>
    private static IEnumerable<LinearModule> Attention(ModelArchitecture a, string parent, int blocks, int otherBlocks)
    {
        if (blocks == 0)
        {
            return [];
        }

        bool bias = a.AttentionBias ?? false;
        int layers = otherBlocks > 0 ? blocks : 0;
        return LayoutParts.SeparateAttention(a, parent, "o_proj", bias, bias).Select(l => l with { Layers = layers });
    }

    /// <summary>
    /// MllamaVisionModel plus the multi_modal_projector (vision_output_dim -> text hidden, with bias): a bias-free
    /// patch convolution, class embedding, a gated position embedding (one row per patch plus the class token) with a
    /// per-aspect-ratio tile table, gated pre- and post-tile aspect-ratio embeddings, LayerNorms before and after,
    /// num_hidden_layers local blocks and num_global_layers gated global blocks (q/k/v/o without bias, fc1/fc2 with).
    /// max_aspect_ratio_id is the number of supported_aspect_ratios.
    /// </summary>
    public static long VisionTower(VisionTowerConfig v, ModelArchitecture text)
    {
        long h = v.HiddenSize, f = v.IntermediateSize;
        int tiles = v.Extra.Int("max_num_tiles") ?? 4;
        int ratios = (v.Extra.Int("supported_aspect_ratios.count") ?? 0) + 1;
        int global = v.Extra.Int("num_global_layers") ?? 0;
        long outputDim = v.Extra.Int("vision_output_dim") ?? h;
        long patches = (long)(v.ImageSize ?? 0) / v.PatchSize * ((v.ImageSize ?? 0) / v.PatchSize) + 1;
        long block = 4 * h * h + (h * f + f) + (f * h + h) + 2 * LayoutParts.LayerNorm(v.HiddenSize);
        long embeddings = (long)v.Channels * v.PatchSize * v.PatchSize * h // patch_embedding
            + h // class_embedding
            + 1 + patches * h + ratios * tiles * patches * h // gated_positional_embedding: gate, embedding, tile_embedding
            + 2 * (ratios * tiles * h + 1) // pre/post_tile_positional_embedding: embedding and gate
            + 2 * LayoutParts.LayerNorm(v.HiddenSize); // layernorm_pre, layernorm_post
        long projector = outputDim * text.HiddenSize + text.HiddenSize;
        return embeddings + v.Layers * block + global * (block + 2) + projector;
    }
}
