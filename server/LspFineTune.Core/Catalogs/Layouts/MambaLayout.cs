namespace LspFineTune.Core.Catalogs.Layouts;

/// <summary>
/// Mamba (mamba: modeling_mamba.py at transformers 008e574; state-spaces/mamba-*-hf): no attention and no MLP; each block
/// is an RMSNorm and a selective-state-space mixer: <c>mixer.in_proj</c> (h -> 2 intermediate_size, bias use_bias),
/// <c>mixer.x_proj</c> (intermediate -> time_step_rank + 2 state_size), <c>mixer.dt_proj</c> (time_step_rank ->
/// intermediate, with bias), <c>mixer.out_proj</c> (intermediate -> h, bias use_bias); other weights: the depthwise conv1d
/// (bias use_conv_bias), A_log (intermediate x state_size) and D. Final norm_f; the head is tied to the embedding.
/// <para>
/// What the estimator assumes: no block has a quadratic term; a block costs its linears, and its saved activations are
/// approximated by the attention parts of a block with one head as wide as the model; the fused selective scan recomputes
/// its states in backward (Gu and Dao 2023, Mamba, arXiv 2312.00752, §3.3.2), so no state is counted.
/// </para>
/// </summary>
internal static class MambaLayout
{
    public static ModelStructure Build(ModelArchitecture a)
    {
        int h = a.HiddenSize, inner = a.IntermediateSize, state = LayoutParts.Config(a, "state_size");
        // "auto" (a string in config.json) is ceil(hidden / 16), configuration_mamba.py.
        int rank = a.Extra.Int("time_step_rank") ?? (h + 15) / 16;
        bool bias = LayoutParts.Flag(a, "use_bias");
        LinearModule[] linears =
        [
            new("in_proj", LinearRole.AttentionInput, h, 2 * inner, bias) { ModulePath = "mixer.in_proj" },
            new("x_proj", LinearRole.AttentionInput, inner, rank + 2 * state, HasBias: false) { ModulePath = "mixer.x_proj" },
            new("dt_proj", LinearRole.AttentionInput, rank, inner, HasBias: true) { ModulePath = "mixer.dt_proj" },
            new("out_proj", LinearRole.AttentionOutput, inner, h, bias) { ModulePath = "mixer.out_proj" },
        ];
        long conv = (long)inner * LayoutParts.Config(a, "conv_kernel") + (LayoutParts.Flag(a, "use_conv_bias") ? inner : 0);
        return new ModelStructure
        {
            Architecture = a,
            LayerLinears = linears,
            LayerNormParameters = h,
            OtherBlockParameters = a.NumHiddenLayers * (conv + (long)inner * state + inner),
            EmbeddingParameters = LayoutParts.Embedding(a),
            FinalNormParameters = h,
            LmHeadParameters = LayoutParts.UntiedHead(a),
            GatedMlp = false,
        };
    }
}
