namespace LspFineTune.Core.Catalogs.Layouts;

/// <summary>
/// MPT (transformers modeling_mpt.py): attn.Wqkv (fused h -> 3h), attn.out_proj, ffn.up_proj (h -> 4h: MptMLP
/// hard-codes the width, the config's expansion_ratio is not read) and ffn.down_proj, all without bias; LayerNorms
/// norm_1, norm_2 and norm_f whose bias the modeling code sets to None (weights only); ALiBi, so no position table;
/// lm_head tied to wte.
/// </summary>
internal static class MptLayout
{
    public static ModelStructure Build(ModelArchitecture a)
    {
        int h = a.HiddenSize;
        int ffn = a.IntermediateSize;
        return new ModelStructure
        {
            Architecture = a,
            LayerLinears =
            [
                new LinearModule("Wqkv", LinearRole.AttentionInput, h, 3 * h, HasBias: false) { ModulePath = "attn.Wqkv" },
                new LinearModule("out_proj", LinearRole.AttentionOutput, h, h, HasBias: false) { ModulePath = "attn.out_proj" },
                new LinearModule("up_proj", LinearRole.MlpInput, h, ffn, HasBias: false) { ModulePath = "ffn.up_proj" },
                new LinearModule("down_proj", LinearRole.MlpOutput, ffn, h, HasBias: false) { ModulePath = "ffn.down_proj" },
            ],
            // LayerNorm weights only (bias = None).
            LayerNormParameters = 2 * LayoutParts.RmsNorm(h),
            EmbeddingParameters = LayoutParts.Embedding(a),
            FinalNormParameters = LayoutParts.RmsNorm(h),
            LmHeadParameters = LayoutParts.UntiedHead(a),
            GatedMlp = false,
        };
    }
}
