namespace LspFineTune.Core.Catalogs.Layouts;

/// <summary>
/// GPT-2: Conv1D layers (weights stored in x out, same parameter count) c_attn (fused qkv, h -> 3h),
/// attn.c_proj, mlp.c_fc, mlp.c_proj, all with bias; ln_1/ln_2 LayerNorms; learned position
/// embeddings wpe (n_positions x h); ln_f; lm_head tied to wte.
/// </summary>
internal static class Gpt2Layout
{
    public static ModelStructure Build(ModelArchitecture a)
    {
        int h = a.HiddenSize;
        int ffn = a.IntermediateSize;
        long positions = (long)a.MaxPositionEmbeddings!.Value * h;
        return new ModelStructure
        {
            Architecture = a,
            LayerLinears =
            [
                new LinearModule("c_attn", LinearRole.AttentionInput, h, 3 * h, HasBias: true) { ModulePath = "attn.c_attn" },
                new LinearModule("attn.c_proj", LinearRole.AttentionOutput, h, h, HasBias: true) { ModulePath = "attn.c_proj" },
                new LinearModule("c_fc", LinearRole.MlpInput, h, ffn, HasBias: true) { ModulePath = "mlp.c_fc" },
                new LinearModule("mlp.c_proj", LinearRole.MlpOutput, ffn, h, HasBias: true) { ModulePath = "mlp.c_proj" },
            ],
            LayerNormParameters = 2 * LayoutParts.LayerNorm(h),
            EmbeddingParameters = LayoutParts.Embedding(a) + positions,
            FinalNormParameters = LayoutParts.LayerNorm(h),
            LmHeadParameters = LayoutParts.UntiedHead(a),
            GatedMlp = false,
        };
    }
}
