namespace LspFineTune.Core.Catalogs.Layouts;

/// <summary>Phi-3: fused qkv_proj ((heads + 2 kv heads) * head_dim) and fused gate_up_proj (2 * ffn), RMSNorm, no biases.</summary>
internal static class Phi3Layout
{
    public static ModelStructure Build(ModelArchitecture a)
    {
        int h = a.HiddenSize;
        int ffn = a.IntermediateSize;
        int qkvWidth = LayoutParts.QueryWidth(a) + 2 * LayoutParts.KeyValueWidth(a);
        return new ModelStructure
        {
            Architecture = a,
            LayerLinears =
            [
                new LinearModule("qkv_proj", LinearRole.AttentionInput, h, qkvWidth, HasBias: false) { ModulePath = "self_attn.qkv_proj" },
                new LinearModule("o_proj", LinearRole.AttentionOutput, LayoutParts.QueryWidth(a), h, HasBias: false) { ModulePath = "self_attn.o_proj" },
                new LinearModule("gate_up_proj", LinearRole.MlpInput, h, 2 * ffn, HasBias: false) { ModulePath = "mlp.gate_up_proj" },
                new LinearModule("down_proj", LinearRole.MlpOutput, ffn, h, HasBias: false) { ModulePath = "mlp.down_proj" },
            ],
            LayerNormParameters = 2 * LayoutParts.RmsNorm(h),
            EmbeddingParameters = LayoutParts.Embedding(a),
            FinalNormParameters = LayoutParts.RmsNorm(h),
            LmHeadParameters = LayoutParts.UntiedHead(a),
            GatedMlp = true,
        };
    }
}
