namespace LspFineTune.Core.Catalogs.Layouts;

/// <summary>
/// Falcon: self_attention.query_key_value is fused with width (heads + 2 * kv heads) * head_dim, which
/// covers multi-query (Falcon-7B, 1 kv head), grouped (Falcon-40B/180B) and plain multi-head attention.
/// No biases by default (config "bias": false). Norms: new_decoder_architecture has ln_attn and ln_mlp;
/// otherwise input_layernorm, plus post_attention_layernorm when the block is not parallel. Tied head.
/// </summary>
internal static class FalconLayout
{
    public static ModelStructure Build(ModelArchitecture a)
    {
        int h = a.HiddenSize;
        int ffn = a.IntermediateSize;
        bool attentionBias = a.AttentionBias ?? false;
        bool mlpBias = a.MlpBias ?? false;
        bool newDecoder = a.NewDecoderArchitecture ?? false;
        bool parallel = newDecoder || (a.ParallelAttention ?? true);
        long norms = newDecoder || !parallel ? 2 * LayoutParts.LayerNorm(h) : LayoutParts.LayerNorm(h);
        return new ModelStructure
        {
            Architecture = a,
            LayerLinears =
            [
                new LinearModule("query_key_value", LinearRole.AttentionInput, h, LayoutParts.QueryWidth(a) + 2 * LayoutParts.KeyValueWidth(a), attentionBias) { ModulePath = "self_attention.query_key_value" },
                new LinearModule("dense", LinearRole.AttentionOutput, LayoutParts.QueryWidth(a), h, attentionBias) { ModulePath = "self_attention.dense" },
                new LinearModule("dense_h_to_4h", LinearRole.MlpInput, h, ffn, mlpBias) { ModulePath = "mlp.dense_h_to_4h" },
                new LinearModule("dense_4h_to_h", LinearRole.MlpOutput, ffn, h, mlpBias) { ModulePath = "mlp.dense_4h_to_h" },
            ],
            LayerNormParameters = norms,
            EmbeddingParameters = LayoutParts.Embedding(a),
            FinalNormParameters = LayoutParts.LayerNorm(h),
            LmHeadParameters = LayoutParts.UntiedHead(a),
            GatedMlp = false,
            ParallelAttentionAndMlp = parallel,
        };
    }
}
