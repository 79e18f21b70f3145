namespace LspFineTune.Core.Catalogs.Layouts;

/// <summary>StarCoder2: q/k/v/o and a GeLU MLP c_fc/c_proj, all with bias (use_bias), LayerNorms, tied head.</summary>
internal static class Starcoder2Layout
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
                .. LayoutParts.SeparateAttention(a, "self_attn", "o_proj", attentionBias, attentionBias),
                new LinearModule("c_fc", LinearRole.MlpInput, h, ffn, mlpBias) { ModulePath = "mlp.c_fc" },
                new LinearModule("c_proj", LinearRole.MlpOutput, ffn, h, mlpBias) { ModulePath = "mlp.c_proj" },
            ],
            LayerNormParameters = 2 * LayoutParts.LayerNorm(h),
            EmbeddingParameters = LayoutParts.Embedding(a),
            FinalNormParameters = LayoutParts.LayerNorm(h),
            LmHeadParameters = LayoutParts.UntiedHead(a),
            GatedMlp = false,
        };
    }
}
