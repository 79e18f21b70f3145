namespace LspFineTune.Core.Catalogs.Layouts;

/// <summary>
/// Qwen3.5 (qwen3_5, qwen3_5_moe: modeling_qwen3_5.py, modeling_qwen3_5_moe.py) and Qwen3-Next (qwen3_next:
/// modeling_qwen3_next.py) at transformers 008e574. Blocks interleave Gated DeltaNet linear attention with gated full
/// attention (layer_types, else every full_attention_interval-th block full):
/// <list type="bullet">
/// <item>linear-attention blocks: <c>linear_attn.in_proj_qkv</c> (h -> 2 key_dim + value_dim), <c>in_proj_z</c>
/// (h -> value_dim), <c>in_proj_b</c> and <c>in_proj_a</c> (h -> value heads), <c>out_proj</c> (value_dim -> h); Qwen3-Next
/// fuses them as <c>in_proj_qkvz</c> and <c>in_proj_ba</c>. Other weights: the depthwise conv1d over 2 key_dim + value_dim
/// channels (no bias), dt_bias and A_log per value head, the gated RMSNorm over the value head width;</item>
/// <item>full-attention blocks: <c>self_attn.q_proj</c> twice the query width (query and output gate), k/v/o_proj,
/// q_norm and k_norm over head_dim;</item>
/// <item>every block: a SwiGLU <c>mlp</c>, or for MoE a router <c>mlp.gate</c>, routed experts and a
/// <c>shared_expert</c> with its <c>shared_expert_gate</c> (h -> 1). In transformers v5 the routed experts are two 3D
/// parameters (<c>mlp.experts.gate_up_proj</c>, <c>mlp.experts.down_proj</c>) and the router a bare weight, so PEFT's
/// target_modules reach only the shared expert (<see cref="LinearModule.IsParameter"/>).</item>
/// </list>
/// Two RMSNorms per block (input_layernorm, post_attention_layernorm), a final norm, the embedding and an lm_head unless
/// tied. Qwen3.5 adds its vision tower (Qwen3-VL's without DeepStack mergers: layout_options.vision_tower qwen3_vl). The checkpoints also store a
/// multi-token-prediction head (<c>mtp.*</c>, mtp_num_hidden_layers blocks of full attention and MLP, its fc from 2h to h
/// and three norms) that transformers drops on load (_keys_to_ignore_on_load_unexpected): counted as
/// <see cref="ModelStructure.CheckpointOnlyParameters"/>, not as memory.
/// <para>
/// What the estimator assumes: only the full-attention blocks have the quadratic attention term (FLOPs and eager
/// scores); a linear-attention block costs its projections (in the block matmuls) and its saved activations are
/// approximated by the attention parts of a block (projection inputs and outputs, no s x s term). The chunked gated delta
/// rule keeps one key_dim x value_dim state per value head and chunk of 64 tokens (Yang et al. 2024, Gated Delta
/// Networks, arXiv 2412.06464, §3; transformers torch_chunk_gated_delta_rule, chunk_size=64): that is not counted.
/// </para>
/// </summary>
internal static class Qwen3_5Layout
{
    public static ModelStructure Build(ModelArchitecture a) => Build(a, fusedProjections: false);

    /// <summary>Qwen3-Next: the same blocks with in_proj_qkvz and in_proj_ba.</summary>
    public static ModelStructure BuildQwen3Next(ModelArchitecture a) => Build(a, fusedProjections: true);

    private static ModelStructure Build(ModelArchitecture a, bool fusedProjections)
    {
        int h = a.HiddenSize, hd = a.HeadDimension;
        int keyHeads = LayoutParts.Config(a, "linear_num_key_heads"), keyDim = keyHeads * LayoutParts.Config(a, "linear_key_head_dim");
        int valueHeads = LayoutParts.Config(a, "linear_num_value_heads"), valueHeadDim = LayoutParts.Config(a, "linear_value_head_dim"), valueDim = valueHeads * valueHeadDim;
        int kernel = LayoutParts.Config(a, "linear_conv_kernel_dim");
        int linearBlocks = a.LinearMixerLayers, fullBlocks = a.FullAttentionLayers;
        var bias = a.AttentionBias ?? false;

        var linears = new List<LinearModule>();
        long other = 0;
        if (linearBlocks > 0)
        {
            int layers = linearBlocks < a.NumHiddenLayers ? linearBlocks : 0;
            LinearModule Linear(string name, LinearRole role, int input, int output) =>
                new(name, role, input, output, HasBias: false) { ModulePath = $"linear_attn.{name}", Layers = layers };
            if (fusedProjections)
            {
                linears.Add(Linear("in_proj_qkvz", LinearRole.AttentionInput, h, 2 * keyDim + 2 * valueDim));
                linears.Add(Linear("in_proj_ba", LinearRole.AttentionInput, h, 2 * valueHeads));
            }
            else
            {
                linears.Add(Linear("in_proj_qkv", LinearRole.AttentionInput, h, 2 * keyDim + valueDim));
                linears.Add(Linear("in_proj_z", LinearRole.AttentionInput, h, valueDim));
                linears.Add(Linear("in_proj_b", LinearRole.AttentionInput, h, valueHeads));
                linears.Add(Linear("in_proj_a", LinearRole.AttentionInput, h, valueHeads));
            }
            linears.Add(Linear("out_proj", LinearRole.AttentionOutput, valueDim, h));
            // conv1d (no bias), dt_bias and A_log per value head, the gated RMSNorm over one value head.
            other += (long)linearBlocks * ((long)(2 * keyDim + valueDim) * kernel + 2L * valueHeads + valueHeadDim);
        }

        var attention = GatedAttention(a, bias, fullBlocks < a.NumHiddenLayers ? fullBlocks : 0).ToList();
        if (fullBlocks > 0)
        {
            linears.AddRange(attention);
            other += (long)fullBlocks * 2 * hd;
        }

        var dense = DenseMlp(a).ToList();
        var moe = MixtureOfExperts(a).ToList();
        linears.AddRange(dense);
        linears.AddRange(moe);

        // The MTP head: an fc from the concatenated embedding and hidden state (2h -> h), two norms before it, one block
        // of full attention (with q/k norms) and the model's feed-forward (its MoE block when it has one) with the
        // block's two norms, and a final norm.
        int mtpBlocks = a.Extra.Int("mtp_num_hidden_layers") ?? 0;
        long mtpBlock = 2L * h * h + 2L * h
            + attention.Sum(l => l.Parameters) + 2L * hd
            + (moe.Count > 0 ? moe : dense).Sum(l => l.Parameters) + 2L * h + h;

        return LayoutParts.RmsNormedModel(a, linears, other) with { CheckpointOnlyParameters = mtpBlocks * mtpBlock };
    }

    /// <summary>q_proj (query and its sigmoid gate: 2 x heads x head_dim), k_proj, v_proj, o_proj.</summary>
    private static IEnumerable<LinearModule> GatedAttention(ModelArchitecture a, bool bias, int layers)
    {
        int h = a.HiddenSize, query = LayoutParts.QueryWidth(a), kv = LayoutParts.KeyValueWidth(a);
        yield return new LinearModule("q_proj", LinearRole.AttentionInput, h, 2 * query, bias) { ModulePath = "self_attn.q_proj", Layers = layers };
        yield return new LinearModule("k_proj", LinearRole.AttentionInput, h, kv, bias) { ModulePath = "self_attn.k_proj", Layers = layers };
        yield return new LinearModule("v_proj", LinearRole.AttentionInput, h, kv, bias) { ModulePath = "self_attn.v_proj", Layers = layers };
        yield return new LinearModule("o_proj", LinearRole.AttentionOutput, query, h, bias) { ModulePath = "self_attn.o_proj", Layers = layers };
    }

    /// <summary>The SwiGLU mlp of the dense blocks (all of them in Qwen3.5; Qwen3-Next's decoder_sparse_step / mlp_only_layers).</summary>
    private static IEnumerable<LinearModule> DenseMlp(ModelArchitecture a)
    {
        int sparse = a.SparseLayers, dense = a.NumHiddenLayers - sparse;
        return dense > 0
            ? LayoutParts.Mlp(a.HiddenSize, a.IntermediateSize, "mlp", ["gate_proj", "up_proj", "down_proj"], bias: false, layers: sparse > 0 ? dense : 0)
            : [];
    }

    /// <summary>The MoE block of the sparse blocks: router, fused experts, shared expert and its gate.</summary>
    private static IEnumerable<LinearModule> MixtureOfExperts(ModelArchitecture a)
    {
        int h = a.HiddenSize, sparse = a.SparseLayers;
        if (sparse == 0)
            yield break;

        int layers = sparse < a.NumHiddenLayers ? sparse : 0, experts = a.Experts, active = a.ActiveExperts, width = a.ExpertIntermediateSize;
        yield return new LinearModule("gate", LinearRole.Router, h, experts, HasBias: false) { ModulePath = "mlp.gate", Layers = layers, IsParameter = true };
        yield return new LinearModule("gate_up_proj", LinearRole.MlpInput, h, 2 * width, HasBias: false, experts, active) { ModulePath = "mlp.experts.gate_up_proj", Layers = layers, IsParameter = true };
        yield return new LinearModule("down_proj", LinearRole.MlpOutput, width, h, HasBias: false, experts, active) { ModulePath = "mlp.experts.down_proj", Layers = layers, IsParameter = true };
        if (a.SharedExpertIntermediateSize is > 0 and var shared)
        {
            foreach (var linear in LayoutParts.Mlp(h, shared, "mlp.shared_expert", ["gate_proj", "up_proj", "down_proj"], bias: false, layers))
                yield return linear;
            yield return new LinearModule("shared_expert_gate", LinearRole.Router, h, 1, HasBias: false) { ModulePath = "mlp.shared_expert_gate", Layers = layers };
        }
    }
}
