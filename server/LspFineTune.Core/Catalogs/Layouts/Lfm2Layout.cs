namespace LspFineTune.Core.Catalogs.Layouts;

/// <summary>
/// LFM2 (lfm2, lfm2_moe, lfm2_vl: modeling_lfm2.py, modeling_lfm2_moe.py, modeling_lfm2_vl.py at transformers 008e574).
/// Each block is a short gated convolution or attention (layer_types: conv / full_attention) and a feed-forward, with
/// operator_norm and ffn_norm; the final norm is embedding_norm; the head is tied. Short conv (Lfm2ShortConv):
/// <c>conv.in_proj</c> (h -> 3h: B, C, x), <c>conv.out_proj</c> (h -> h), both with bias conv_bias, and the depthwise
/// kernel <c>conv.conv</c> (h x conv_L_cache, bias conv_bias). Attention: <c>self_attn.q_proj/k_proj/v_proj/out_proj</c>
/// without bias, q_layernorm and k_layernorm over head_dim. Feed-forward (Lfm2MLP): SwiGLU <c>feed_forward.w1</c> (gate),
/// <c>w3</c> (up), <c>w2</c> (down), its width intermediate_size, or with block_auto_adjust_ff_dim 2/3 of it times
/// block_ffn_dim_multiplier rounded up to block_multiple_of. LFM2-MoE: the first num_dense_layers blocks keep that MLP
/// (at intermediate_size); the others route to experts (<c>feed_forward.gate</c>, experts as transformers v5's fused 3D
/// parameters <c>feed_forward.experts.gate_up_proj</c> / <c>down_proj</c>; the expert bias is not counted). LFM2-VL adds
/// its vision tower (<see cref="Lfm2VlVisionTower"/>).
/// <para>
/// What the estimator assumes: only the attention blocks have the quadratic term; a conv block costs its two projections
/// (in the block matmuls) and a kernel of conv_L_cache taps per channel, and its saved activations are approximated by a
/// block's attention parts; no state beyond conv_L_cache tokens exists.
/// </para>
/// </summary>
internal static class Lfm2Layout
{
    public static ModelStructure Build(ModelArchitecture a)
    {
        int h = a.HiddenSize, layers = a.NumHiddenLayers, hd = a.HeadDimension;
        int conv = a.LinearMixerLayers, attention = layers - conv;
        bool convBias = LayoutParts.Flag(a, "conv_bias");
        int Only(int count) => count < layers ? count : 0;

        var linears = new List<LinearModule>();
        long other = 0;
        if (conv > 0)
        {
            linears.Add(new LinearModule("in_proj", LinearRole.AttentionInput, h, 3 * h, convBias) { ModulePath = "conv.in_proj", Layers = Only(conv) });
            linears.Add(new LinearModule("out_proj", LinearRole.AttentionOutput, h, h, convBias) { ModulePath = "conv.out_proj", Layers = Only(conv) });
            other += conv * ((long)h * LayoutParts.Config(a, "conv_L_cache") + (convBias ? h : 0));
        }
        if (attention > 0)
        {
            linears.AddRange(LayoutParts.SeparateAttention(a, "self_attn", "out_proj", qkvBias: false, outputBias: false).Select(l => l with { Layers = Only(attention) }));
            other += attention * 2L * hd;
        }

        int sparse = a.SparseLayers, dense = layers - sparse;
        if (dense > 0)
            linears.AddRange(LayoutParts.Mlp(h, sparse > 0 ? a.IntermediateSize : DenseWidth(a), "feed_forward", ["w1", "w3", "w2"], bias: false, Only(dense)));
        if (sparse > 0)
        {
            int width = a.ExpertIntermediateSize;
            linears.Add(new LinearModule("gate", LinearRole.Router, h, a.Experts, HasBias: false) { ModulePath = "feed_forward.gate", Layers = Only(sparse) });
            linears.Add(new LinearModule("gate_up_proj", LinearRole.MlpInput, h, 2 * width, HasBias: false, a.Experts, a.ActiveExperts) { ModulePath = "feed_forward.experts.gate_up_proj", Layers = Only(sparse), IsParameter = true });
            linears.Add(new LinearModule("down_proj", LinearRole.MlpOutput, width, h, HasBias: false, a.Experts, a.ActiveExperts) { ModulePath = "feed_forward.experts.down_proj", Layers = Only(sparse), IsParameter = true });
        }

        return LayoutParts.RmsNormedModel(a, linears, other);
    }

    /// <summary>
    /// The dense LFM2 MLP width (Lfm2MLP.__init__): with block_auto_adjust_ff_dim 2/3 of intermediate_size, and when
    /// block_ffn_dim_multiplier is set, scaled by it and rounded up to block_multiple_of.
    /// </summary>
    private static int DenseWidth(ModelArchitecture a)
    {
        int width = a.IntermediateSize;
        if (!LayoutParts.Flag(a, "block_auto_adjust_ff_dim"))
            return width;
        width = (int)(2.0 * width / 3);
        if (a.Extra["block_ffn_dim_multiplier"] is not { } multiplier)
            return width;
        width = (int)(multiplier * width);
        int multiple = LayoutParts.Config(a, "block_multiple_of");
        return multiple * ((width + multiple - 1) / multiple);
    }
}
