namespace LspFineTune.Core.Catalogs.Layouts;

/// <summary>
/// gpt-oss (transformers modeling_gpt_oss.py): biased q/k/v/o_proj with one learned attention sink per head, and a
/// mixture of experts the generic decoder cannot name. Its router is <c>mlp.router</c> (a biased nn.Linear), and its
/// experts are not nn.Linear modules but four parameters of <c>mlp.experts</c>: the fused <c>gate_up_proj</c>
/// (experts x h x 2 ffn) with <c>gate_up_proj_bias</c>, and <c>down_proj</c> (experts x ffn x h) with
/// <c>down_proj_bias</c>. PEFT reaches those with target_parameters (<c>mlp.experts.gate_up_proj</c>), never with
/// target_modules, so they are listed under their parameter paths. Two RMSNorms per block, an untied head.
/// </summary>
internal static class GptOssLayout
{
    public static ModelStructure Build(ModelArchitecture a)
    {
        int h = a.HiddenSize;
        int ffn = a.IntermediateSize;
        bool bias = a.AttentionBias ?? true;
        var linears = new List<LinearModule>(LayoutParts.SeparateAttention(a, "self_attn", "o_proj", bias, bias))
        {
            new("router", LinearRole.Router, h, a.Experts, HasBias: true) { ModulePath = "mlp.router" },
            new("gate_up_proj", LinearRole.MlpInput, h, 2 * ffn, HasBias: true, a.Experts, a.ActiveExperts) { ModulePath = "mlp.experts.gate_up_proj", IsParameter = true },
            new("down_proj", LinearRole.MlpOutput, ffn, h, HasBias: true, a.Experts, a.ActiveExperts) { ModulePath = "mlp.experts.down_proj", IsParameter = true },
        };

        return new ModelStructure
        {
            Architecture = a,
            LayerLinears = linears,
            LayerNormParameters = 2 * LayoutParts.RmsNorm(h),
            // self_attn.sinks: one logit per attention head in every block.
            OtherBlockParameters = (long)a.NumHiddenLayers * a.NumAttentionHeads,
            EmbeddingParameters = LayoutParts.Embedding(a),
            FinalNormParameters = LayoutParts.RmsNorm(h),
            LmHeadParameters = LayoutParts.UntiedHead(a),
            GatedMlp = true,
        };
    }
}
