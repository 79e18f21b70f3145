using LspFineTune.Core.Catalogs.Layouts;

namespace LspFineTune.Core.Catalogs;

/// <summary>
/// Derives the exact parameter layout of a model from its <see cref="ModelArchitecture"/> through the layout builder
/// its family file names (<see cref="ModelLayouts"/>), following the Hugging Face transformers modeling code of each
/// family (module names, shapes, biases, norms, embeddings, head).
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
/// An unknown model_type falls back to the generic decoder with Llama's options (q/k/v/o, SwiGLU gate/up/down,
/// RMSNorm): most recent decoder-only models use it, and the binder warns (see <see cref="IsKnownFamily"/>).
/// </para>
/// </remarks>
public static class ModelStructureBuilder
{
    /// <summary>The config.json model_type values with a family file, whose layout is modelled exactly.</summary>
    public static IReadOnlyList<string> KnownFamilies => ModelFamilies.Default.ModelTypes;

    /// <summary>Lower-cases and unifies separators so <c>GPT-NeoX</c>, <c>gpt_neox</c> and <c>gpt-neox</c> agree.</summary>
    public static string NormalizeFamily(string modelType) =>
        modelType.Trim().ToLowerInvariant().Replace('-', '_');

    /// <summary>Whether <paramref name="modelType"/> has a family file (false: the generic decoder with Llama's options is used).</summary>
    public static bool IsKnownFamily(string modelType) => ModelFamilies.Default.ForModelType(modelType) is not null;

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
        // Latent attention (DeepSeek, GLM-4.7-Flash: 2048 / 20 heads) sizes its heads by qk_nope/qk_rope/v_head_dim, not hidden / heads.
        else if (!a.IsMultiHeadLatentAttention && a.NumAttentionHeads > 0 && a.HiddenSize > 0 && a.HiddenSize % a.NumAttentionHeads != 0)
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

        if (!Layouts.ModelLayouts.IsLayout(a.Layout))
        {
            errors.Add($"layout '{a.Layout}' has no builder (known: {string.Join(", ", Layouts.ModelLayouts.Names)})");
        }

        if (a.IsMultiHeadLatentAttention && (a.QkNopeHeadDim is not > 0 || a.QkRopeHeadDim is not > 0))
        {
            errors.Add("multi-head latent attention (kv_lora_rank) needs qk_nope_head_dim and qk_rope_head_dim");
        }

        if (a.IsMixtureOfExperts && a.MoeIntermediateSize is { } expertWidth && expertWidth <= 0)
        {
            errors.Add($"moe_intermediate_size must be a positive integer, got {expertWidth}");
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

        return ModelLayouts.Build(a);
    }
}
