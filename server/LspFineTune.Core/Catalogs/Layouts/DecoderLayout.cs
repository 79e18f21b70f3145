namespace LspFineTune.Core.Catalogs.Layouts;

/// <summary>
/// The generic pre-norm decoder most current families share (Llama, Mistral, Qwen2/3, Gemma 1/2/3, Mixtral, Qwen MoE,
/// DeepSeek-V2/V3, ...): attention (q/k/v/o, or DeepSeek's multi-head latent attention when kv_lora_rank is set),
/// optional q/k norms, and a gated or plain MLP that is a mixture of experts in the blocks config.json makes sparse,
/// with an optional shared expert. Family differences that config.json does not carry come from
/// <see cref="DecoderOptions"/> (the family file's layout_options). Module names follow transformers v4's modeling code.
/// </summary>
internal static class DecoderLayout
{
    public static ModelStructure Build(ModelArchitecture a)
    {
        var o = a.Decoder;
        int h = a.HiddenSize;
        long Norm(int width) => o.Norm == "rms" ? LayoutParts.RmsNorm(width) : LayoutParts.LayerNorm(width);
        var linears = new List<LinearModule>();
        long blockNorms = o.NormsPerBlock * Norm(h);

        if (a.IsMultiHeadLatentAttention)
            blockNorms += LatentAttention(a, linears);
        else
            linears.AddRange(LayoutParts.SeparateAttention(a, o.AttentionParent, o.AttentionOutput,
                qkvBias: a.AttentionBias ?? o.QkvBiasDefault,
                outputBias: o.OutputBiasFollowsAttentionBias && (a.AttentionBias ?? false)));

        // q_norm / k_norm (Qwen3, Gemma 3: RMSNorm over head_dim shared by the heads; OLMo 2: over all heads' width).
        blockNorms += o.QkNorm switch
        {
            QkNormKind.Head => 2L * a.HeadDimension,
            QkNormKind.Width => (long)(a.NumAttentionHeads + a.KeyValueHeads) * a.HeadDimension,
            _ => 0,
        };

        var mlpBias = a.MlpBias ?? false;
        var sparse = a.SparseLayers;
        var dense = a.NumHiddenLayers - sparse;
        if (dense > 0)
            linears.AddRange(LayoutParts.Mlp(h, a.IntermediateSize, o.MlpParent, o.MlpNames, mlpBias, layers: sparse > 0 ? dense : 0));
        if (sparse > 0)
        {
            var layers = dense > 0 ? sparse : 0;
            linears.Add(new LinearModule(o.Router, LinearRole.Router, h, a.Experts, o.RouterBias) { ModulePath = $"{o.MoeParent}.{o.Router}", Layers = layers });
            linears.AddRange(LayoutParts.Mlp(h, a.ExpertIntermediateSize, $"{o.MoeParent}.experts.{{e}}", o.ExpertNames, mlpBias, layers, a.Experts, a.ActiveExperts));
            if (o.SharedExpert is { } shared && a.SharedExpertIntermediateSize is > 0 and var sharedWidth)
            {
                linears.AddRange(LayoutParts.Mlp(h, sharedWidth, $"{o.MoeParent}.{shared}", o.ExpertNames.Count == 3 ? ["gate_proj", "up_proj", "down_proj"] : o.ExpertNames, mlpBias, layers));
                if (o.SharedExpertGate)
                    linears.Add(new LinearModule("shared_expert_gate", LinearRole.Router, h, 1, HasBias: false) { ModulePath = $"{o.MoeParent}.shared_expert_gate", Layers = layers });
            }
        }

        return new ModelStructure
        {
            Architecture = a,
            LayerLinears = linears,
            LayerNormParameters = blockNorms,
            EmbeddingParameters = LayoutParts.Embedding(a),
            FinalNormParameters = Norm(h),
            LmHeadParameters = LayoutParts.UntiedHead(a),
            GatedMlp = o.Mlp == "gated",
            VisionParameters = a.Vision is { } vision ? ModelLayouts.VisionTower(vision, a) : 0,
        };
    }

    /// <summary>
    /// DeepSeek-V2/V3 multi-head latent attention (modeling_deepseek_v2/v3): queries through a low-rank q_a_proj,
    /// q_a_layernorm, q_b_proj (or one q_proj when q_lora_rank is null, V2-Lite); keys and values compressed by
    /// kv_a_proj_with_mqa into kv_lora_rank plus a shared rope part, kv_a_layernorm, then kv_b_proj back to every
    /// head's nope key and value; o_proj from heads x v_head_dim. Returns the two norms' weights.
    /// </summary>
    private static long LatentAttention(ModelArchitecture a, List<LinearModule> linears)
    {
        int h = a.HiddenSize, heads = a.NumAttentionHeads;
        int nope = a.QkNopeHeadDim ?? 0, rope = a.QkRopeHeadDim ?? 0, v = a.ValueHeadDimension, kv = a.KvLoraRank!.Value;
        var bias = a.AttentionBias ?? false;
        var parent = a.Decoder.AttentionParent;
        long norms = kv;
        if (a.QLoraRank is > 0 and var q)
        {
            linears.Add(new LinearModule("q_a_proj", LinearRole.AttentionInput, h, q, bias) { ModulePath = $"{parent}.q_a_proj" });
            linears.Add(new LinearModule("q_b_proj", LinearRole.AttentionInput, q, heads * (nope + rope), HasBias: false) { ModulePath = $"{parent}.q_b_proj" });
            norms += q;
        }
        else
        {
            linears.Add(new LinearModule("q_proj", LinearRole.AttentionInput, h, heads * (nope + rope), HasBias: false) { ModulePath = $"{parent}.q_proj" });
        }
        linears.Add(new LinearModule("kv_a_proj_with_mqa", LinearRole.AttentionInput, h, kv + rope, bias) { ModulePath = $"{parent}.kv_a_proj_with_mqa" });
        linears.Add(new LinearModule("kv_b_proj", LinearRole.AttentionInput, kv, heads * (nope + v), HasBias: false) { ModulePath = $"{parent}.kv_b_proj" });
        linears.Add(new LinearModule("o_proj", LinearRole.AttentionOutput, heads * v, h, bias) { ModulePath = $"{parent}.o_proj" });
        return norms;
    }
}
