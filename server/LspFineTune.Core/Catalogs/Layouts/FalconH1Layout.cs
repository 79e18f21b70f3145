namespace LspFineTune.Core.Catalogs.Layouts;

/// <summary>
/// Falcon-H1 (falcon_h1: modeling_falcon_h1.py at transformers 008e574): every block runs a Mamba-2 mixer and attention
/// side by side on the same input_layernorm output and adds both (FalconH1DecoderLayer), then a SwiGLU feed-forward after
/// pre_ff_layernorm. Modules: <c>mamba.in_proj</c> (bias mamba_proj_bias) and <c>mamba.out_proj</c> (bias
/// projectors_bias) with d_inner = mamba_d_ssm (else mamba_expand x hidden) (<see cref="Mamba2Mixer"/>; the conv1d has a
/// bias when mamba_conv_bias, the gated norm exists when mamba_rms_norm); <c>self_attn.q_proj/k_proj/v_proj/o_proj</c>
/// over head_dim (bias attention_bias); <c>feed_forward.gate_proj/up_proj/down_proj</c> (bias mlp_bias). RMSNorms
/// (weight only); final_layernorm; untied lm_head by default. The µP multipliers are a non-persistent buffer, not weights.
/// <para>
/// What the estimator assumes: every block has full causal attention (the quadratic term on every layer) plus the mixer's
/// projections in the block matmuls; the selective scan's saved inputs are approximated by the attention parts of a block
/// (no state is counted: the fused Mamba-2 scan keeps one state per chunk, Dao and Gu 2024, Transformers are SSMs,
/// arXiv 2405.21060, §6).
/// </para>
/// </summary>
internal static class FalconH1Layout
{
    public static ModelStructure Build(ModelArchitecture a)
    {
        int h = a.HiddenSize;
        int inner = a.Extra.Int("mamba_d_ssm") ?? (LayoutParts.Config(a, "mamba_expand") * h);
        var mixer = new Mamba2Mixer.Shape(inner, LayoutParts.Config(a, "mamba_n_heads"), LayoutParts.Config(a, "mamba_n_groups"), LayoutParts.Config(a, "mamba_d_state"), LayoutParts.Config(a, "mamba_d_conv"));
        bool attentionBias = a.AttentionBias ?? false, mlpBias = a.MlpBias ?? false;
        var linears = new List<LinearModule>();
        linears.AddRange(Mamba2Mixer.Linears(h, mixer, "mamba", LayoutParts.Flag(a, "mamba_proj_bias"), LayoutParts.Flag(a, "projectors_bias"), layers: 0));
        linears.AddRange(LayoutParts.SeparateAttention(a, "self_attn", "o_proj", attentionBias, attentionBias));
        linears.AddRange(LayoutParts.Mlp(h, a.IntermediateSize, "feed_forward", ["gate_proj", "up_proj", "down_proj"], mlpBias, layers: 0));
        return new ModelStructure
        {
            Architecture = a,
            LayerLinears = linears,
            LayerNormParameters = 2L * h,
            OtherBlockParameters = (long)a.NumHiddenLayers * Mamba2Mixer.OtherParameters(mixer, LayoutParts.Flag(a, "mamba_conv_bias"), LayoutParts.Flag(a, "mamba_rms_norm")),
            EmbeddingParameters = LayoutParts.Embedding(a),
            FinalNormParameters = h,
            LmHeadParameters = LayoutParts.UntiedHead(a),
            GatedMlp = true,
        };
    }
}
