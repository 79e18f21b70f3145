namespace LspFineTune.Core.Catalogs.Layouts;

/// <summary>
/// StableLM (StableLM-2, StableLM-3B-4E1T): llama-style q/k/v/o and SwiGLU MLP, but LayerNorms with bias;
/// q/k/v carry a bias when use_qkv_bias (StableLM-2); o_proj and the MLP never do. Untied head.
/// </summary>
internal static class StableLmLayout
{
    public static ModelStructure Build(ModelArchitecture a)
    {
        int h = a.HiddenSize;
        bool parallel = a.ParallelAttention ?? false;
        return new ModelStructure
        {
            Architecture = a,
            LayerLinears = [.. LayoutParts.SeparateAttention(a, "self_attn", "o_proj", a.AttentionBias ?? false, outputBias: false), .. LayoutParts.GatedMlp(a, bias: false)],
            // A parallel block has only input_layernorm; a sequential one adds post_attention_layernorm.
            LayerNormParameters = parallel ? LayoutParts.LayerNorm(h) : 2 * LayoutParts.LayerNorm(h),
            EmbeddingParameters = LayoutParts.Embedding(a),
            FinalNormParameters = LayoutParts.LayerNorm(h),
            LmHeadParameters = LayoutParts.UntiedHead(a),
            GatedMlp = true,
            ParallelAttentionAndMlp = parallel,
        };
    }
}
