namespace LspFineTune.Core.Catalogs.Layouts;

/// <summary>
/// GPT-J (transformers modeling_gptj.py): one ln_1 LayerNorm feeds attention (q_proj, k_proj, v_proj, out_proj, no
/// biases) and the MLP (fc_in h -> n_inner, default 4h, and fc_out, both biased) in parallel; rotary positions (no
/// table); ln_f; an untied lm_head that carries a bias.
/// </summary>
internal static class GptJLayout
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
                .. LayoutParts.SeparateAttention(a, "attn", "out_proj", qkvBias: false, outputBias: false),
                new LinearModule("fc_in", LinearRole.MlpInput, h, ffn, HasBias: true) { ModulePath = "mlp.fc_in" },
                new LinearModule("fc_out", LinearRole.MlpOutput, ffn, h, HasBias: true) { ModulePath = "mlp.fc_out" },
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
