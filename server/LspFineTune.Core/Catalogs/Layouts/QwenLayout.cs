namespace LspFineTune.Core.Catalogs.Layouts;

/// <summary>
/// The original Qwen (Qwen-1.8B/7B/14B/72B, model_type qwen, remote code <c>QWenLMHeadModel</c> in the hub repos'
/// modeling_qwen.py). It differs from the generic decoder in three ways the decoder's options cannot say:
/// attention is one fused <c>attn.c_attn</c> (h -> 3 x heads x kv_channels, always with a bias) followed by
/// <c>attn.c_proj</c>; the MLP's two input projections <c>w1</c> and <c>w2</c> are each intermediate_size / 2 wide
/// (config.json's intermediate_size counts both halves) and <c>mlp.c_proj</c> maps back; and attn.c_proj and
/// mlp.c_proj share their last name, so their names keep the parent, as GPT-2's do. Biases other than c_attn's
/// follow <c>no_bias</c> (true in every published config). ln_1, ln_2 and ln_f are RMSNorms; lm_head is untied.
/// </summary>
internal static class QwenLayout
{
    public static ModelStructure Build(ModelArchitecture a)
    {
        int h = a.HiddenSize;
        // projection_size = kv_channels x num_attention_heads; kv_channels equals hidden_size / heads in every release.
        int headDim = a.Extra.Int("kv_channels") is > 0 and var channels ? channels : a.HeadDimension;
        int projection = headDim * a.NumAttentionHeads;
        int ffn = a.IntermediateSize / 2;
        bool bias = a.Extra["no_bias"] is 0;
        return new ModelStructure
        {
            Architecture = a,
            LayerLinears =
            [
                new LinearModule("c_attn", LinearRole.AttentionInput, h, 3 * projection, HasBias: true) { ModulePath = "attn.c_attn" },
                new LinearModule("attn.c_proj", LinearRole.AttentionOutput, projection, h, bias) { ModulePath = "attn.c_proj" },
                new LinearModule("w1", LinearRole.MlpInput, h, ffn, bias) { ModulePath = "mlp.w1" },
                new LinearModule("w2", LinearRole.MlpInput, h, ffn, bias) { ModulePath = "mlp.w2" },
                new LinearModule("mlp.c_proj", LinearRole.MlpOutput, ffn, h, bias) { ModulePath = "mlp.c_proj" },
            ],
            LayerNormParameters = 2 * LayoutParts.RmsNorm(h),
            EmbeddingParameters = LayoutParts.Embedding(a),
            FinalNormParameters = LayoutParts.RmsNorm(h),
            LmHeadParameters = LayoutParts.UntiedHead(a),
            GatedMlp = true,
        };
    }
}
