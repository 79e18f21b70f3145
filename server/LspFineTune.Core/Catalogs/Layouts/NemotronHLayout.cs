namespace LspFineTune.Core.Catalogs.Layouts;

/// <summary>
/// Nemotron-H and Nemotron 3 (nemotron_h: modeling_nemotron_h.py at transformers 008e574). Each block is one RMSNorm
/// (<c>norm</c>) and one mixer chosen by hybrid_override_pattern / layers_block_type: M a Mamba-2 mixer
/// (<c>mixer.in_proj</c>, <c>mixer.out_proj</c>, bias use_bias; d_inner = mamba_num_heads x mamba_head_dim; conv1d bias
/// use_conv_bias; always the gated norm: <see cref="Mamba2Mixer"/>), * attention (<c>mixer.q_proj/k_proj/v_proj/o_proj</c>,
/// no bias), - a squared-ReLU MLP (<c>mixer.up_proj</c>, <c>mixer.down_proj</c>, bias mlp_bias), E a mixture of experts:
/// the router weight <c>mixer.gate</c> (a bare parameter; its e_score_correction_bias is a buffer, not a weight), routed
/// experts as two 3D parameters <c>mixer.experts.up_proj</c> / <c>down_proj</c> (no gate), an always-on
/// <c>mixer.shared_experts</c> MLP of moe_shared_expert_intermediate_size, and with moe_latent_size (Nemotron 3 Super) the
/// experts run in a latent width between <c>mixer.fc1_latent_proj</c> and <c>mixer.fc2_latent_proj</c>. Final norm_f,
/// untied lm_head. Super's checkpoint stores num_nextn_predict_layers multi-token-prediction layers (mtp.*; the config
/// class's default mtp_layers_block_type, attention then MoE, each block with its norm, plus the embedding and hidden
/// norms, the 2h -> h projection and a final norm) that transformers drops on load: counted as
/// <see cref="ModelStructure.CheckpointOnlyParameters"/>.
/// <para>
/// What the estimator assumes: only the attention blocks have the quadratic term; Mamba, MLP and MoE blocks cost their
/// linears; the Mamba-2 scan's saved inputs are approximated by a block's attention parts and its per-chunk states (Dao and
/// Gu 2024, arXiv 2405.21060, §6) are not counted.
/// </para>
/// </summary>
internal static class NemotronHLayout
{
    public static ModelStructure Build(ModelArchitecture a)
    {
        int h = a.HiddenSize, layers = a.NumHiddenLayers;
        int mamba = Blocks(a, "mamba", "linear_attention"), attention = Blocks(a, "attention", "full_attention");
        int mlp = Blocks(a, "mlp"), moe = Blocks(a, "moe");
        if (mamba + attention + mlp + moe != layers)
            throw new ArgumentException($"nemotron_h: hybrid_override_pattern / layers_block_type names {mamba + attention + mlp + moe} blocks of mamba, attention, mlp and moe for {layers} layers", nameof(a));

        var mixer = new Mamba2Mixer.Shape(
            LayoutParts.Config(a, "mamba_num_heads") * LayoutParts.Config(a, "mamba_head_dim"),
            LayoutParts.Config(a, "mamba_num_heads"), LayoutParts.Config(a, "n_groups"), LayoutParts.Config(a, "ssm_state_size"), LayoutParts.Config(a, "conv_kernel"));
        bool bias = LayoutParts.Flag(a, "use_bias"), mlpBias = a.MlpBias ?? false;
        int Only(int count) => count < layers ? count : 0;

        var linears = new List<LinearModule>();
        long other = 0;
        if (mamba > 0)
        {
            linears.AddRange(Mamba2Mixer.Linears(h, mixer, "mixer", bias, bias, Only(mamba)));
            other += mamba * Mamba2Mixer.OtherParameters(mixer, LayoutParts.Flag(a, "use_conv_bias"), gatedNorm: true);
        }
        var attentionLinears = Attention(a, Only(attention)).ToList();
        if (attention > 0)
            linears.AddRange(attentionLinears);
        if (mlp > 0)
            linears.AddRange(LayoutParts.Mlp(h, a.IntermediateSize, "mixer", ["up_proj", "down_proj"], mlpBias, Only(mlp)));
        var moeLinears = MixtureOfExperts(a, mlpBias, Only(moe)).ToList();
        if (moe > 0)
            linears.AddRange(moeLinears);

        long mtpLayer = 2L * h * h + 3L * h + attentionLinears.Sum(l => l.Parameters) + h + moeLinears.Sum(l => l.Parameters) + h;
        return new ModelStructure
        {
            Architecture = a,
            LayerLinears = linears,
            LayerNormParameters = h,
            OtherBlockParameters = other,
            EmbeddingParameters = LayoutParts.Embedding(a),
            FinalNormParameters = h,
            LmHeadParameters = LayoutParts.UntiedHead(a),
            GatedMlp = false,
            CheckpointOnlyParameters = (a.Extra.Int("num_nextn_predict_layers") ?? 0) * mtpLayer,
        };
    }

    private static int Blocks(ModelArchitecture a, params string[] kinds) => kinds.Sum(a.LayersOfType);

    private static IEnumerable<LinearModule> Attention(ModelArchitecture a, int layers) =>
        LayoutParts.SeparateAttention(a, "mixer", "o_proj", qkvBias: false, outputBias: false).Select(l => l with { Layers = layers });

    private static IEnumerable<LinearModule> MixtureOfExperts(ModelArchitecture a, bool bias, int layers)
    {
        int h = a.HiddenSize, experts = a.Experts, active = a.ActiveExperts, width = a.ExpertIntermediateSize;
        int latent = a.Extra.Int("moe_latent_size") ?? h;
        yield return new LinearModule("gate", LinearRole.Router, h, experts, HasBias: false) { ModulePath = "mixer.gate", Layers = layers, IsParameter = true };
        if (latent != h)
            yield return new LinearModule("fc1_latent_proj", LinearRole.MlpInput, h, latent, bias) { ModulePath = "mixer.fc1_latent_proj", Layers = layers };
        yield return new LinearModule("up_proj", LinearRole.MlpInput, latent, width, HasBias: false, experts, active) { ModulePath = "mixer.experts.up_proj", Layers = layers, IsParameter = true };
        yield return new LinearModule("down_proj", LinearRole.MlpOutput, width, latent, HasBias: false, experts, active) { ModulePath = "mixer.experts.down_proj", Layers = layers, IsParameter = true };
        if (latent != h)
            yield return new LinearModule("fc2_latent_proj", LinearRole.MlpOutput, latent, h, bias) { ModulePath = "mixer.fc2_latent_proj", Layers = layers };
        if (a.SharedExpertIntermediateSize is > 0 and var shared)
        {
            foreach (var linear in LayoutParts.Mlp(h, shared, "mixer.shared_experts", ["up_proj", "down_proj"], bias, layers))
                yield return linear;
        }
    }
}
