namespace LspFineTune.Core.Catalogs.Layouts;

/// <summary>
/// Kimi-Linear (kimi_linear: the checkpoint's remote modeling_kimi.py, which axolotl loads with trust_remote_code;
/// configuration_kimi_linear.py for the keys). Blocks listed in linear_attn_config.full_attn_layers use DeepSeek's
/// multi-head latent attention (q_proj, kv_a_proj_with_mqa, kv_a_layernorm, kv_b_proj, o_proj:
/// <see cref="DecoderLayout.LatentAttention"/>); the others Kimi Delta Attention over linear_attn_config.num_heads heads of
/// head_dim: <c>self_attn.q_proj/k_proj/v_proj</c> (h -> heads x head_dim), the forget gate <c>f_a_proj</c> (h -> head_dim)
/// and <c>f_b_proj</c> (head_dim -> heads x head_dim), <c>b_proj</c> (h -> heads), the output gate <c>g_a_proj</c> and
/// <c>g_b_proj</c> (the same low rank), <c>o_proj</c>; other weights: the q/k/v short convolutions
/// (short_conv_kernel_size taps, no bias), A_log per head, dt_bias per channel, the gated o_norm over head_dim. The first
/// first_k_dense_replace blocks have a SwiGLU mlp, the rest DeepSeek-V3's MoE: router <c>mlp.gate</c> (a weight and its
/// e_score_correction_bias), experts <c>mlp.experts.{e}.gate_proj/up_proj/down_proj</c> and <c>mlp.shared_experts</c>.
/// Two RMSNorms per block, final norm, untied lm_head.
/// <para>
/// What the estimator assumes: only the MLA blocks have the quadratic term (with their 192-wide query/key and 128-wide
/// value heads); a KDA block costs its linears and its saved activations are approximated by a block's attention parts;
/// the chunked delta rule's per-chunk head_dim x head_dim states (Kimi Linear report, arXiv 2510.26692) are not counted.
/// </para>
/// </summary>
internal static class KimiLinearLayout
{
    public static ModelStructure Build(ModelArchitecture a)
    {
        int h = a.HiddenSize, layers = a.NumHiddenLayers;
        int full = a.FullAttentionLayers, delta = a.LinearMixerLayers;
        int heads = LayoutParts.Config(a, "linear_attn_config.num_heads"), headDim = LayoutParts.Config(a, "linear_attn_config.head_dim");
        int kernel = LayoutParts.Config(a, "linear_attn_config.short_conv_kernel_size"), width = heads * headDim;
        int Only(int count) => count < layers ? count : 0;

        var linears = new List<LinearModule>();
        long other = 0, norms = 2L * h;
        if (delta > 0)
        {
            LinearModule Linear(string name, LinearRole role, int input, int output) =>
                new(name, role, input, output, HasBias: false) { ModulePath = $"self_attn.{name}", Layers = Only(delta) };
            linears.Add(Linear("q_proj", LinearRole.AttentionInput, h, width));
            linears.Add(Linear("k_proj", LinearRole.AttentionInput, h, width));
            linears.Add(Linear("v_proj", LinearRole.AttentionInput, h, width));
            linears.Add(Linear("f_a_proj", LinearRole.AttentionInput, h, headDim));
            linears.Add(Linear("f_b_proj", LinearRole.AttentionInput, headDim, width));
            linears.Add(Linear("b_proj", LinearRole.AttentionInput, h, heads));
            linears.Add(Linear("g_a_proj", LinearRole.AttentionInput, h, headDim));
            linears.Add(Linear("g_b_proj", LinearRole.AttentionInput, headDim, width));
            linears.Add(Linear("o_proj", LinearRole.AttentionOutput, width, h));
            // q/k/v short convolutions, A_log per head, dt_bias per channel, o_norm over head_dim.
            other += (long)delta * (3L * width * kernel + heads + width + headDim);
        }
        if (full > 0)
        {
            var latent = new List<LinearModule>();
            long latentNorms = DecoderLayout.LatentAttention(a, latent);
            linears.AddRange(latent.Select(l => l with { Layers = Only(full) }));
            other += full * latentNorms;
        }

        int sparse = a.SparseLayers, dense = layers - sparse;
        if (dense > 0)
            linears.AddRange(LayoutParts.Mlp(h, a.IntermediateSize, "mlp", ["gate_proj", "up_proj", "down_proj"], bias: false, Only(dense)));
        if (sparse > 0)
        {
            linears.Add(new LinearModule("gate", LinearRole.Router, h, a.Experts, HasBias: false) { ModulePath = "mlp.gate", Layers = Only(sparse), IsParameter = true });
            linears.AddRange(LayoutParts.Mlp(h, a.ExpertIntermediateSize, "mlp.experts.{e}", ["gate_proj", "up_proj", "down_proj"], bias: false, Only(sparse), a.Experts, a.ActiveExperts));
            if (a.SharedExpertIntermediateSize is > 0 and var shared)
                linears.AddRange(LayoutParts.Mlp(h, shared, "mlp.shared_experts", ["gate_proj", "up_proj", "down_proj"], bias: false, Only(sparse)));
            // The router's e_score_correction_bias, stored with the checkpoint's weights.
            other += (long)sparse * a.Experts;
        }

        return LayoutParts.RmsNormedModel(a, linears, other) with { LayerNormParameters = norms };
    }
}
