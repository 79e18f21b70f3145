namespace LspFineTune.Core.Catalogs.Layouts;

/// <summary>
/// Jamba (jamba: modeling_jamba.py at transformers 008e574). Blocks are attention where i % attn_layer_period ==
/// attn_layer_offset, else a Mamba (v1) mixer; the feed-forward is a mixture of experts where i % expert_layer_period ==
/// expert_layer_offset, else a SwiGLU MLP (configuration_jamba.py layers_block_type, layers_num_experts). Mamba mixer
/// (JambaMambaMixer): <c>mamba.in_proj</c> (h -> 2 d_inner, d_inner = mamba_expand x h, bias mamba_proj_bias),
/// <c>mamba.x_proj</c> (d_inner -> dt_rank + 2 d_state), <c>mamba.dt_proj</c> (dt_rank -> d_inner, with bias),
/// <c>mamba.out_proj</c> (d_inner -> h, bias mamba_proj_bias); other weights: the depthwise conv1d (bias
/// mamba_conv_bias), A_log (d_inner x d_state), D, and the dt/B/C RMSNorms. Attention: <c>self_attn.q_proj/k_proj/v_proj/
/// o_proj</c> without bias. Feed-forward: <c>feed_forward.gate_proj/up_proj/down_proj</c>, or <c>feed_forward.router</c>
/// and experts named as transformers v4 does (<c>feed_forward.experts.{e}.gate_proj</c>, the generic decoder's
/// convention; v5 stores them fused). input_layernorm and pre_ff_layernorm per block, final_layernorm, untied lm_head.
/// <para>
/// What the estimator assumes: only the attention blocks (1 in 8) have the quadratic term; a Mamba block costs its
/// linears, and its saved activations are approximated by a block's attention parts: the hardware-aware selective scan
/// recomputes its states in backward rather than storing them (Gu and Dao 2023, Mamba, arXiv 2312.00752, §3.3.2).
/// </para>
/// </summary>
internal static class JambaLayout
{
    public static ModelStructure Build(ModelArchitecture a)
    {
        int h = a.HiddenSize, layers = a.NumHiddenLayers;
        int attention = a.FullAttentionLayers, mamba = layers - attention;
        int inner = LayoutParts.Config(a, "mamba_expand") * h, state = LayoutParts.Config(a, "mamba_d_state");
        // "auto" in config.json (a string) is ceil(hidden / 16), configuration_jamba.py.
        int rank = a.Extra.Int("mamba_dt_rank") ?? (h + 15) / 16;
        bool projectionBias = LayoutParts.Flag(a, "mamba_proj_bias");
        int Only(int count) => count < layers ? count : 0;

        var linears = new List<LinearModule>();
        long other = 0;
        if (mamba > 0)
        {
            int m = Only(mamba);
            linears.Add(new LinearModule("in_proj", LinearRole.AttentionInput, h, 2 * inner, projectionBias) { ModulePath = "mamba.in_proj", Layers = m });
            linears.Add(new LinearModule("x_proj", LinearRole.AttentionInput, inner, rank + 2 * state, HasBias: false) { ModulePath = "mamba.x_proj", Layers = m });
            linears.Add(new LinearModule("dt_proj", LinearRole.AttentionInput, rank, inner, HasBias: true) { ModulePath = "mamba.dt_proj", Layers = m });
            linears.Add(new LinearModule("out_proj", LinearRole.AttentionOutput, inner, h, projectionBias) { ModulePath = "mamba.out_proj", Layers = m });
            long conv = (long)inner * LayoutParts.Config(a, "mamba_d_conv") + (LayoutParts.Flag(a, "mamba_conv_bias") ? inner : 0);
            other += mamba * (conv + (long)inner * state + inner + rank + 2L * state);
        }
        if (attention > 0)
            linears.AddRange(LayoutParts.SeparateAttention(a, "self_attn", "o_proj", qkvBias: false, outputBias: false).Select(l => l with { Layers = Only(attention) }));

        int sparse = a.SparseLayers, dense = layers - sparse;
        if (dense > 0)
            linears.AddRange(LayoutParts.Mlp(h, a.IntermediateSize, "feed_forward", ["gate_proj", "up_proj", "down_proj"], bias: false, Only(dense)));
        if (sparse > 0)
        {
            linears.Add(new LinearModule("router", LinearRole.Router, h, a.Experts, HasBias: false) { ModulePath = "feed_forward.router", Layers = Only(sparse) });
            linears.AddRange(LayoutParts.Mlp(h, a.ExpertIntermediateSize, "feed_forward.experts.{e}", ["gate_proj", "up_proj", "down_proj"], bias: false, Only(sparse), a.Experts, a.ActiveExperts));
        }

        return LayoutParts.RmsNormedModel(a, linears, other);
    }
}
