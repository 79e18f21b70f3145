namespace LspFineTune.Core.Catalogs.Layouts;

/// <summary>
/// GPT-NeoX / Pythia: attention.query_key_value (fused, h -> 3h), attention.dense, mlp.dense_h_to_4h,
/// mlp.dense_4h_to_h, all with bias; two LayerNorms per block; untied embed_out (no bias).
/// use_parallel_residual (default true) runs attention and MLP side by side.
/// </summary>
internal static class GptNeoXLayout
{
    public static ModelStructure Build(ModelArchitecture a)
    {
        int h = a.HiddenSize;
        int ffn = a.IntermediateSize;
        bool attentionBias = a.AttentionBias ?? true;
        bool mlpBias = a.MlpBias ?? true;
        return new ModelStructure
        {
            Architecture = a,
            LayerLinears =
            [
                new LinearModule("query_key_value", LinearRole.AttentionInput, h, LayoutParts.QueryWidth(a) + 2 * LayoutParts.KeyValueWidth(a), attentionBias) { ModulePath = "attention.query_key_value" },
                new LinearModule("dense", LinearRole.AttentionOutput, LayoutParts.QueryWidth(a), h, attentionBias) { ModulePath = "attention.dense" },
                new LinearModule("dense_h_to_4h", LinearRole.MlpInput, h, ffn, mlpBias) { ModulePath = "mlp.dense_h_to_4h" },
                new LinearModule("dense_4h_to_h", LinearRole.MlpOutput, ffn, h, mlpBias) { ModulePath = "mlp.dense_4h_to_h" },
            ],
            LayerNormParameters = 2 * LayoutParts.LayerNorm(h),
            EmbeddingParameters = LayoutParts.Embedding(a),
            FinalNormParameters = LayoutParts.LayerNorm(h),
            LmHeadParameters = LayoutParts.UntiedHead(a),
            GatedMlp = false,
            ParallelAttentionAndMlp = a.ParallelAttention ?? true,
        };
    }
}
