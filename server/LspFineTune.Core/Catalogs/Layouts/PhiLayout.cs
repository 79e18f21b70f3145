namespace LspFineTune.Core.Catalogs.Layouts;

/// <summary>
/// Phi-1/1.5/2 (model_type phi): one LayerNorm feeds attention and MLP in parallel; q/k/v/dense and
/// fc1/fc2 all carry biases; the untied lm_head has a bias too (vocab extra parameters).
/// </summary>
internal static class PhiLayout
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
                .. LayoutParts.SeparateAttention(a, "self_attn", "dense", attentionBias, attentionBias),
                new LinearModule("fc1", LinearRole.MlpInput, h, ffn, mlpBias) { ModulePath = "mlp.fc1" },
                new LinearModule("fc2", LinearRole.MlpOutput, ffn, h, mlpBias) { ModulePath = "mlp.fc2" },
            ],
            LayerNormParameters = LayoutParts.LayerNorm(h),
            EmbeddingParameters = LayoutParts.Embedding(a),
            FinalNormParameters = LayoutParts.LayerNorm(h),
            LmHeadParameters = a.TieWordEmbeddings ? 0 : LayoutParts.Embedding(a) + a.VocabSize,
            GatedMlp = false,
            ParallelAttentionAndMlp = true,
        };
    }
}
