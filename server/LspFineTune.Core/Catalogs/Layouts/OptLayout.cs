namespace LspFineTune.Core.Catalogs.Layouts;

/// <summary>
/// OPT: q/k/v/out_proj and fc1/fc2 with biases, self_attn_layer_norm and final_layer_norm per block.
/// Learned positions have max_position_embeddings + 2 rows: OPT inherits fairseq's convention of
/// starting positions after the padding index (offset 2), so two rows are never used but are stored.
/// When word_embed_proj_dim differs from hidden_size (OPT-350m), tokens are embedded at that width
/// and project_in / project_out (bias-free) map to and from hidden_size. The decoder-level
/// final_layer_norm exists only for pre-norm models (do_layer_norm_before). The head is tied.
/// </summary>
internal static class OptLayout
{
    public static ModelStructure Build(ModelArchitecture a)
    {
        const int PositionOffset = 2;
        int h = a.HiddenSize;
        int ffn = a.IntermediateSize;
        int wordDim = a.WordEmbedProjDim ?? h;
        bool attentionBias = a.AttentionBias ?? true;
        bool mlpBias = a.MlpBias ?? true;
        long tokens = (long)a.VocabSize * wordDim;
        long positions = (long)(a.MaxPositionEmbeddings!.Value + PositionOffset) * h;
        long projections = wordDim != h ? 2L * wordDim * h : 0;
        return new ModelStructure
        {
            Architecture = a,
            LayerLinears =
            [
                .. LayoutParts.SeparateAttention(a, "self_attn", "out_proj", attentionBias, attentionBias),
                new LinearModule("fc1", LinearRole.MlpInput, h, ffn, mlpBias),
                new LinearModule("fc2", LinearRole.MlpOutput, ffn, h, mlpBias),
            ],
            LayerNormParameters = 2 * LayoutParts.LayerNorm(h),
            EmbeddingParameters = tokens + positions + projections,
            FinalNormParameters = a.DoLayerNormBefore ?? true ? LayoutParts.LayerNorm(h) : 0,
            LmHeadParameters = a.TieWordEmbeddings ? 0 : tokens,
            GatedMlp = false,
        };
    }
}
