namespace LspFineTune.Core.Catalogs;

/// <summary>
/// Derives the exact parameter layout of a model from its <see cref="ModelArchitecture"/>, following the
/// Hugging Face transformers modeling code of each family (module names, shapes, biases, norms, embeddings, head).
/// </summary>
/// <remarks>
/// <para>
/// Naming scheme: <see cref="LinearModule.Name"/> is the name users write in PEFT's <c>target_modules</c>
/// (the last path component, <c>q_proj</c>, <c>query_key_value</c>, <c>w1</c>, ...). GPT-2 is the one family
/// where two linears in a block share a last component (<c>attn.c_proj</c> and <c>mlp.c_proj</c>); there the
/// name keeps its parent (<c>attn.c_proj</c>, <c>mlp.c_proj</c>) so names stay unique within a block.
/// PEFT matches by dotted suffix, so match targets with <see cref="LinearModule.MatchesTarget"/>, never by
/// plain equality: <c>c_proj</c> then selects both GPT-2 projections, exactly as PEFT does.
/// </para>
/// <para>
/// Norms: RMSNorm has a weight only (h parameters); LayerNorm has weight and bias (2h).
/// </para>
/// <para>
/// An unknown model_type falls back to the llama layout (q/k/v/o, SwiGLU gate/up/down, RMSNorm): most
/// recent decoder-only models use it, and the binder warns (see <see cref="IsKnownFamily"/>).
/// </para>
/// </remarks>
public static class ModelStructureBuilder
{
    /// <summary>The model_type values whose layout is modelled exactly.</summary>
    public static IReadOnlyList<string> KnownFamilies { get; } =
    [
        "llama", "mistral", "mixtral", "qwen2", "gemma", "gemma2", "phi", "phi3",
        "gpt2", "gpt_neox", "falcon", "opt", "stablelm", "starcoder2",
    ];

    // Families (or fine-tune brand names users put in model_type) that are the llama layout verbatim.
    private static readonly HashSet<string> LlamaLayoutAliases = new(StringComparer.Ordinal)
    {
        "llama", "mistral", "smollm", "tinyllama", "codellama",
    };

    /// <summary>Lower-cases and unifies separators so <c>GPT-NeoX</c>, <c>gpt_neox</c> and <c>gpt-neox</c> agree.</summary>
    public static string NormalizeFamily(string modelType) =>
        modelType.Trim().ToLowerInvariant().Replace('-', '_');

    /// <summary>Whether <paramref name="modelType"/> has a modelled layout (false: the llama fallback is used).</summary>
    public static bool IsKnownFamily(string modelType)
    {
        string family = NormalizeFamily(modelType);
        return LlamaLayoutAliases.Contains(family) || KnownFamilies.Contains(family);
    }

    /// <summary>
    /// Problems that make the architecture unusable (non-positive sizes, heads that do not divide, ...).
    /// Empty when <see cref="Build"/> can run. Messages use config.json key names.
    /// </summary>
    public static IReadOnlyList<string> Validate(ModelArchitecture a)
    {
        var errors = new List<string>();

        void RequirePositive(string key, int value)
        {
            if (value <= 0)
            {
                errors.Add($"{key} must be a positive integer, got {value}");
            }
        }

        if (string.IsNullOrWhiteSpace(a.ModelType))
        {
            errors.Add("model_type must not be empty");
        }

        RequirePositive("num_hidden_layers", a.NumHiddenLayers);
        RequirePositive("hidden_size", a.HiddenSize);
        RequirePositive("intermediate_size", a.IntermediateSize);
        RequirePositive("num_attention_heads", a.NumAttentionHeads);
        RequirePositive("vocab_size", a.VocabSize);

        if (a.NumKeyValueHeads is { } kv)
        {
            RequirePositive("num_key_value_heads", kv);
            if (kv > 0 && a.NumAttentionHeads > 0 && a.NumAttentionHeads % kv != 0)
            {
                errors.Add($"num_attention_heads ({a.NumAttentionHeads}) must be a multiple of num_key_value_heads ({kv})");
            }
        }

        if (a.HeadDim is { } headDim)
        {
            RequirePositive("head_dim", headDim);
        }
        else if (a.NumAttentionHeads > 0 && a.HiddenSize > 0 && a.HiddenSize % a.NumAttentionHeads != 0)
        {
            errors.Add($"hidden_size ({a.HiddenSize}) is not divisible by num_attention_heads ({a.NumAttentionHeads}); set head_dim");
        }

        if (a.NumLocalExperts is { } experts)
        {
            RequirePositive("num_local_experts", experts);
            if (a.NumExpertsPerTok is { } perTok)
            {
                RequirePositive("num_experts_per_tok", perTok);
                if (perTok > experts)
                {
                    errors.Add($"num_experts_per_tok ({perTok}) exceeds num_local_experts ({experts})");
                }
            }
        }

        if (a.MaxPositionEmbeddings is { } maxPositions)
        {
            RequirePositive("max_position_embeddings", maxPositions);
        }

        if (a.WordEmbedProjDim is { } projDim)
        {
            RequirePositive("word_embed_proj_dim", projDim);
        }

        string family = NormalizeFamily(a.ModelType ?? "");
        if (family is "gpt2" or "opt" && a.MaxPositionEmbeddings is null)
        {
            errors.Add($"{family} has learned position embeddings sized by max_position_embeddings (n_positions), which is missing");
        }

        return errors;
    }

    /// <summary>Builds the structure; throws <see cref="ArgumentException"/> when <see cref="Validate"/> reports errors.</summary>
    public static ModelStructure Build(ModelArchitecture a)
    {
        ArgumentNullException.ThrowIfNull(a);
        IReadOnlyList<string> errors = Validate(a);
        if (errors.Count > 0)
        {
            throw new ArgumentException("Invalid model architecture: " + string.Join("; ", errors), nameof(a));
        }

        return NormalizeFamily(a.ModelType) switch
        {
            "mixtral" => Mixtral(a),
            "qwen2" => LlamaLayout(a, qkvBiasDefault: true, outputBiasFollowsAttentionBias: false),
            "gemma" => LlamaLayout(a, qkvBiasDefault: false, outputBiasFollowsAttentionBias: true),
            "gemma2" => Gemma2(a),
            "phi" => Phi(a),
            "phi3" => Phi3(a),
            "gpt2" => Gpt2(a),
            "gpt_neox" => GptNeoX(a),
            "falcon" => Falcon(a),
            "opt" => Opt(a),
            "stablelm" => StableLm(a),
            "starcoder2" => Starcoder2(a),
            // llama, mistral, smollm, tinyllama and every unknown family.
            _ => LlamaLayout(a, qkvBiasDefault: false, outputBiasFollowsAttentionBias: true),
        };
    }

    private static long RmsNorm(int h) => h;

    private static long LayerNorm(int h) => 2L * h;

    private static long Embedding(ModelArchitecture a) => (long)a.VocabSize * a.HiddenSize;

    private static long UntiedHead(ModelArchitecture a) => a.TieWordEmbeddings ? 0 : Embedding(a);

    private static int QueryWidth(ModelArchitecture a) => a.NumAttentionHeads * a.HeadDimension;

    private static int KeyValueWidth(ModelArchitecture a) => a.KeyValueHeads * a.HeadDimension;

    /// <summary>Separate q/k/v/o projections (llama and most families) with HF module paths under <paramref name="parent"/>.</summary>
    private static IEnumerable<LinearModule> SeparateAttention(
        ModelArchitecture a, string parent, string outputName, bool qkvBias, bool outputBias)
    {
        int h = a.HiddenSize;
        yield return new LinearModule("q_proj", LinearRole.AttentionInput, h, QueryWidth(a), qkvBias) { ModulePath = $"{parent}.q_proj" };
        yield return new LinearModule("k_proj", LinearRole.AttentionInput, h, KeyValueWidth(a), qkvBias) { ModulePath = $"{parent}.k_proj" };
        yield return new LinearModule("v_proj", LinearRole.AttentionInput, h, KeyValueWidth(a), qkvBias) { ModulePath = $"{parent}.v_proj" };
        yield return new LinearModule(outputName, LinearRole.AttentionOutput, QueryWidth(a), h, outputBias) { ModulePath = $"{parent}.{outputName}" };
    }

    /// <summary>SwiGLU / GeGLU MLP: gate_proj and up_proj (h -> ffn), down_proj (ffn -> h).</summary>
    private static IEnumerable<LinearModule> GatedMlp(ModelArchitecture a, bool bias)
    {
        int h = a.HiddenSize;
        int ffn = a.IntermediateSize;
        yield return new LinearModule("gate_proj", LinearRole.MlpInput, h, ffn, bias) { ModulePath = "mlp.gate_proj" };
        yield return new LinearModule("up_proj", LinearRole.MlpInput, h, ffn, bias) { ModulePath = "mlp.up_proj" };
        yield return new LinearModule("down_proj", LinearRole.MlpOutput, ffn, h, bias) { ModulePath = "mlp.down_proj" };
    }

    /// <summary>
    /// Llama (and Mistral, Qwen2, Gemma, SmolLM, TinyLlama, unknown): RMSNorm before attention and MLP,
    /// q/k/v/o + gate/up/down, RMSNorm at the end, optional untied lm_head.
    /// Llama's attention_bias covers q, k, v and o_proj; Qwen2 hard-codes a bias on q/k/v only.
    /// Gemma differs only in values (head_dim 256, GeGLU, tied head), not in the parameter layout.
    /// </summary>
    private static ModelStructure LlamaLayout(ModelArchitecture a, bool qkvBiasDefault, bool outputBiasFollowsAttentionBias)
    {
        bool qkvBias = a.AttentionBias ?? qkvBiasDefault;
        bool outputBias = outputBiasFollowsAttentionBias && (a.AttentionBias ?? false);
        return new ModelStructure
        {
            Architecture = a,
            LayerLinears = [.. SeparateAttention(a, "self_attn", "o_proj", qkvBias, outputBias), .. GatedMlp(a, a.MlpBias ?? false)],
            LayerNormParameters = 2 * RmsNorm(a.HiddenSize),
            EmbeddingParameters = Embedding(a),
            FinalNormParameters = RmsNorm(a.HiddenSize),
            LmHeadParameters = UntiedHead(a),
            GatedMlp = true,
        };
    }

    /// <summary>Gemma 2: the llama layout with four RMSNorms per block (pre/post attention, pre/post feed-forward).</summary>
    private static ModelStructure Gemma2(ModelArchitecture a)
    {
        bool bias = a.AttentionBias ?? false;
        return new ModelStructure
        {
            Architecture = a,
            LayerLinears = [.. SeparateAttention(a, "self_attn", "o_proj", bias, bias), .. GatedMlp(a, a.MlpBias ?? false)],
            LayerNormParameters = 4 * RmsNorm(a.HiddenSize),
            EmbeddingParameters = Embedding(a),
            FinalNormParameters = RmsNorm(a.HiddenSize),
            LmHeadParameters = UntiedHead(a),
            GatedMlp = true,
        };
    }

    /// <summary>
    /// Mixtral: llama attention; the MLP is block_sparse_moe with a bias-free router <c>gate</c> (h -> experts)
    /// and per-expert SwiGLU w1 (gate), w3 (up), w2 (down). Each token runs through num_experts_per_tok experts.
    /// </summary>
    private static ModelStructure Mixtral(ModelArchitecture a)
    {
        int h = a.HiddenSize;
        int ffn = a.IntermediateSize;
        int experts = a.Experts;
        int active = a.ActiveExperts;
        return new ModelStructure
        {
            Architecture = a,
            LayerLinears =
            [
                .. SeparateAttention(a, "self_attn", "o_proj", qkvBias: false, outputBias: false),
                new LinearModule("gate", LinearRole.Router, h, experts, HasBias: false) { ModulePath = "block_sparse_moe.gate" },
                new LinearModule("w1", LinearRole.MlpInput, h, ffn, HasBias: false, experts, active) { ModulePath = "block_sparse_moe.experts.{e}.w1" },
                new LinearModule("w3", LinearRole.MlpInput, h, ffn, HasBias: false, experts, active) { ModulePath = "block_sparse_moe.experts.{e}.w3" },
                new LinearModule("w2", LinearRole.MlpOutput, ffn, h, HasBias: false, experts, active) { ModulePath = "block_sparse_moe.experts.{e}.w2" },
            ],
            LayerNormParameters = 2 * RmsNorm(h),
            EmbeddingParameters = Embedding(a),
            FinalNormParameters = RmsNorm(h),
            LmHeadParameters = UntiedHead(a),
            GatedMlp = true,
        };
    }

    /// <summary>
    /// Phi-1/1.5/2 (model_type phi): one LayerNorm feeds attention and MLP in parallel; q/k/v/dense and
    /// fc1/fc2 all carry biases; the untied lm_head has a bias too (vocab extra parameters).
    /// </summary>
    private static ModelStructure Phi(ModelArchitecture a)
    {
        int h = a.HiddenSize;
        int ffn = a.IntermediateSize;
        bool attentionBias = a.AttentionBias ?? true;
        bool mlpBias = a.MlpBias ?? true;
        return new ModelStructure
        {
            Architecture = a,
            LayerLinears =
            [
                .. SeparateAttention(a, "self_attn", "dense", attentionBias, attentionBias),
                new LinearModule("fc1", LinearRole.MlpInput, h, ffn, mlpBias) { ModulePath = "mlp.fc1" },
                new LinearModule("fc2", LinearRole.MlpOutput, ffn, h, mlpBias) { ModulePath = "mlp.fc2" },
            ],
            LayerNormParameters = LayerNorm(h),
            EmbeddingParameters = Embedding(a),
            FinalNormParameters = LayerNorm(h),
            LmHeadParameters = a.TieWordEmbeddings ? 0 : Embedding(a) + a.VocabSize,
            GatedMlp = false,
            ParallelAttentionAndMlp = true,
        };
    }

    /// <summary>Phi-3: fused qkv_proj ((heads + 2 kv heads) * head_dim) and fused gate_up_proj (2 * ffn), RMSNorm, no biases.</summary>
    private static ModelStructure Phi3(ModelArchitecture a)
    {
        int h = a.HiddenSize;
        int ffn = a.IntermediateSize;
        int qkvWidth = QueryWidth(a) + 2 * KeyValueWidth(a);
        return new ModelStructure
        {
            Architecture = a,
            LayerLinears =
            [
                new LinearModule("qkv_proj", LinearRole.AttentionInput, h, qkvWidth, HasBias: false) { ModulePath = "self_attn.qkv_proj" },
                new LinearModule("o_proj", LinearRole.AttentionOutput, QueryWidth(a), h, HasBias: false) { ModulePath = "self_attn.o_proj" },
                new LinearModule("gate_up_proj", LinearRole.MlpInput, h, 2 * ffn, HasBias: false) { ModulePath = "mlp.gate_up_proj" },
                new LinearModule("down_proj", LinearRole.MlpOutput, ffn, h, HasBias: false) { ModulePath = "mlp.down_proj" },
            ],
            LayerNormParameters = 2 * RmsNorm(h),
            EmbeddingParameters = Embedding(a),
            FinalNormParameters = RmsNorm(h),
            LmHeadParameters = UntiedHead(a),
            GatedMlp = true,
        };
    }

    /// <summary>
    /// GPT-2: Conv1D layers (weights stored in x out, same parameter count) c_attn (fused qkv, h -> 3h),
    /// attn.c_proj, mlp.c_fc, mlp.c_proj, all with bias; ln_1/ln_2 LayerNorms; learned position
    /// embeddings wpe (n_positions x h); ln_f; lm_head tied to wte.
    /// </summary>
    private static ModelStructure Gpt2(ModelArchitecture a)
    {
        int h = a.HiddenSize;
        int ffn = a.IntermediateSize;
        long positions = (long)a.MaxPositionEmbeddings!.Value * h;
        return new ModelStructure
        {
            Architecture = a,
            LayerLinears =
            [
                new LinearModule("c_attn", LinearRole.AttentionInput, h, 3 * h, HasBias: true) { ModulePath = "attn.c_attn" },
                new LinearModule("attn.c_proj", LinearRole.AttentionOutput, h, h, HasBias: true) { ModulePath = "attn.c_proj" },
                new LinearModule("c_fc", LinearRole.MlpInput, h, ffn, HasBias: true) { ModulePath = "mlp.c_fc" },
                new LinearModule("mlp.c_proj", LinearRole.MlpOutput, ffn, h, HasBias: true) { ModulePath = "mlp.c_proj" },
            ],
            LayerNormParameters = 2 * LayerNorm(h),
            EmbeddingParameters = Embedding(a) + positions,
            FinalNormParameters = LayerNorm(h),
            LmHeadParameters = UntiedHead(a),
            GatedMlp = false,
        };
    }

    /// <summary>
    /// GPT-NeoX / Pythia: attention.query_key_value (fused, h -> 3h), attention.dense, mlp.dense_h_to_4h,
    /// mlp.dense_4h_to_h, all with bias; two LayerNorms per block; untied embed_out (no bias).
    /// use_parallel_residual (default true) runs attention and MLP side by side.
    /// </summary>
    private static ModelStructure GptNeoX(ModelArchitecture a)
    {
        int h = a.HiddenSize;
        int ffn = a.IntermediateSize;
        bool attentionBias = a.AttentionBias ?? true;
        bool mlpBias = a.MlpBias ?? true;
        return new ModelStructure
        {
            Architecture = a,
            LayerLinears =
            [
                new LinearModule("query_key_value", LinearRole.AttentionInput, h, QueryWidth(a) + 2 * KeyValueWidth(a), attentionBias) { ModulePath = "attention.query_key_value" },
                new LinearModule("dense", LinearRole.AttentionOutput, QueryWidth(a), h, attentionBias) { ModulePath = "attention.dense" },
                new LinearModule("dense_h_to_4h", LinearRole.MlpInput, h, ffn, mlpBias) { ModulePath = "mlp.dense_h_to_4h" },
                new LinearModule("dense_4h_to_h", LinearRole.MlpOutput, ffn, h, mlpBias) { ModulePath = "mlp.dense_4h_to_h" },
            ],
            LayerNormParameters = 2 * LayerNorm(h),
            EmbeddingParameters = Embedding(a),
            FinalNormParameters = LayerNorm(h),
            LmHeadParameters = UntiedHead(a),
            GatedMlp = false,
            ParallelAttentionAndMlp = a.ParallelAttention ?? true,
        };
    }

    /// <summary>
    /// Falcon: self_attention.query_key_value is fused with width (heads + 2 * kv heads) * head_dim, which
    /// covers multi-query (Falcon-7B, 1 kv head), grouped (Falcon-40B/180B) and plain multi-head attention.
    /// No biases by default (config "bias": false). Norms: new_decoder_architecture has ln_attn and ln_mlp;
    /// otherwise input_layernorm, plus post_attention_layernorm when the block is not parallel. Tied head.
    /// </summary>
    private static ModelStructure Falcon(ModelArchitecture a)
    {
        int h = a.HiddenSize;
        int ffn = a.IntermediateSize;
        bool attentionBias = a.AttentionBias ?? false;
        bool mlpBias = a.MlpBias ?? false;
        bool newDecoder = a.NewDecoderArchitecture ?? false;
        bool parallel = newDecoder || (a.ParallelAttention ?? true);
        long norms = newDecoder || !parallel ? 2 * LayerNorm(h) : LayerNorm(h);
        return new ModelStructure
        {
            Architecture = a,
            LayerLinears =
            [
                new LinearModule("query_key_value", LinearRole.AttentionInput, h, QueryWidth(a) + 2 * KeyValueWidth(a), attentionBias) { ModulePath = "self_attention.query_key_value" },
                new LinearModule("dense", LinearRole.AttentionOutput, QueryWidth(a), h, attentionBias) { ModulePath = "self_attention.dense" },
                new LinearModule("dense_h_to_4h", LinearRole.MlpInput, h, ffn, mlpBias) { ModulePath = "mlp.dense_h_to_4h" },
                new LinearModule("dense_4h_to_h", LinearRole.MlpOutput, ffn, h, mlpBias) { ModulePath = "mlp.dense_4h_to_h" },
            ],
            LayerNormParameters = norms,
            EmbeddingParameters = Embedding(a),
            FinalNormParameters = LayerNorm(h),
            LmHeadParameters = UntiedHead(a),
            GatedMlp = false,
            ParallelAttentionAndMlp = parallel,
        };
    }

    /// <summary>
    /// OPT: q/k/v/out_proj and fc1/fc2 with biases, self_attn_layer_norm and final_layer_norm per block.
    /// Learned positions have max_position_embeddings + 2 rows: OPT inherits fairseq's convention of
    /// starting positions after the padding index (offset 2), so two rows are never used but are stored.
    /// When word_embed_proj_dim differs from hidden_size (OPT-350m), tokens are embedded at that width
    /// and project_in / project_out (bias-free) map to and from hidden_size. The decoder-level
    /// final_layer_norm exists only for pre-norm models (do_layer_norm_before). The head is tied.
    /// </summary>
    private static ModelStructure Opt(ModelArchitecture a)
    {
        const int PositionOffset = 2;
        int h = a.HiddenSize;
        int ffn = a.IntermediateSize;
        int wordDim = a.WordEmbedProjDim ?? h;
        bool attentionBias = a.AttentionBias ?? true;
        bool mlpBias = a.MlpBias ?? true;
        long tokens = (long)a.VocabSize * wordDim;
        long positions = (long)(a.MaxPositionEmbeddings!.Value + PositionOffset) * h;
        long projections = wordDim != h ? 2L * wordDim * h : 0;
        return new ModelStructure
        {
            Architecture = a,
            LayerLinears =
            [
                .. SeparateAttention(a, "self_attn", "out_proj", attentionBias, attentionBias),
                new LinearModule("fc1", LinearRole.MlpInput, h, ffn, mlpBias),
                new LinearModule("fc2", LinearRole.MlpOutput, ffn, h, mlpBias),
            ],
            LayerNormParameters = 2 * LayerNorm(h),
            EmbeddingParameters = tokens + positions + projections,
            FinalNormParameters = a.DoLayerNormBefore ?? true ? LayerNorm(h) : 0,
            LmHeadParameters = a.TieWordEmbeddings ? 0 : tokens,
            GatedMlp = false,
        };
    }

    /// <summary>
    /// StableLM (StableLM-2, StableLM-3B-4E1T): llama-style q/k/v/o and SwiGLU MLP, but LayerNorms with bias;
    /// q/k/v carry a bias when use_qkv_bias (StableLM-2); o_proj and the MLP never do. Untied head.
    /// </summary>
    private static ModelStructure StableLm(ModelArchitecture a)
    {
        int h = a.HiddenSize;
        bool parallel = a.ParallelAttention ?? false;
        return new ModelStructure
        {
            Architecture = a,
            LayerLinears = [.. SeparateAttention(a, "self_attn", "o_proj", a.AttentionBias ?? false, outputBias: false), .. GatedMlp(a, bias: false)],
            // A parallel block has only input_layernorm; a sequential one adds post_attention_layernorm.
            LayerNormParameters = parallel ? LayerNorm(h) : 2 * LayerNorm(h),
            EmbeddingParameters = Embedding(a),
            FinalNormParameters = LayerNorm(h),
            LmHeadParameters = UntiedHead(a),
            GatedMlp = true,
            ParallelAttentionAndMlp = parallel,
        };
    }

    /// <summary>StarCoder2: q/k/v/o and a GeLU MLP c_fc/c_proj, all with bias (use_bias), LayerNorms, tied head.</summary>
    private static ModelStructure Starcoder2(ModelArchitecture a)
    {
        int h = a.HiddenSize;
        int ffn = a.IntermediateSize;
        bool attentionBias = a.AttentionBias ?? true;
        bool mlpBias = a.MlpBias ?? true;
        return new ModelStructure
        {
            Architecture = a,
            LayerLinears =
            [
                .. SeparateAttention(a, "self_attn", "o_proj", attentionBias, attentionBias),
                new LinearModule("c_fc", LinearRole.MlpInput, h, ffn, mlpBias) { ModulePath = "mlp.c_fc" },
                new LinearModule("c_proj", LinearRole.MlpOutput, ffn, h, mlpBias) { ModulePath = "mlp.c_proj" },
            ],
            LayerNormParameters = 2 * LayerNorm(h),
            EmbeddingParameters = Embedding(a),
            FinalNormParameters = LayerNorm(h),
            LmHeadParameters = UntiedHead(a),
            GatedMlp = false,
        };
    }
}
