namespace LspFineTune.Core.Catalogs;

/// <summary>
/// The architecture fields of a Hugging Face <c>config.json</c> that decide parameter count, memory and FLOPs.
/// Property names mirror the config.json keys (snake_case there). Family-specific spellings
/// (GPT-2's n_embd, Falcon's n_head, ...) are normalised by <see cref="HuggingFaceConfigReader"/>.
/// </summary>
public sealed record ModelArchitecture
{
    /// <summary>config.json model_type: llama, mistral, mixtral, qwen2, gemma, gemma2, phi, phi3, gpt2, gpt_neox, falcon, opt, stablelm, ...</summary>
    public required string ModelType { get; init; }

    public required int NumHiddenLayers { get; init; }

    public required int HiddenSize { get; init; }

    /// <summary>MLP inner width (per expert for MoE). GPT-2's n_inner null means 4 * hidden.</summary>
    public required int IntermediateSize { get; init; }

    public required int NumAttentionHeads { get; init; }

    /// <summary>Key/value heads for grouped-query attention; null means as many as attention heads (MHA).</summary>
    public int? NumKeyValueHeads { get; init; }

    /// <summary>Per-head width when it is not hidden / heads (Gemma: 256).</summary>
    public int? HeadDim { get; init; }

    public required int VocabSize { get; init; }

    public bool TieWordEmbeddings { get; init; }

    /// <summary>Experts per MoE layer (Mixtral: 8); null or 1 for dense models.</summary>
    public int? NumLocalExperts { get; init; }

    /// <summary>Experts each token is routed to (Mixtral: 2).</summary>
    public int? NumExpertsPerTok { get; init; }

    /// <summary>Learned absolute position embeddings (GPT-2, OPT) are sized by this; also the context the model was trained for.</summary>
    public int? MaxPositionEmbeddings { get; init; }

    /// <summary>Whether q/k/v projections carry a bias (Qwen2: true; Llama: false). Null: the family's default.</summary>
    public bool? AttentionBias { get; init; }

    /// <summary>Whether MLP projections carry a bias. Null: the family's default.</summary>
    public bool? MlpBias { get; init; }

    /// <summary>Falcon's new_decoder_architecture (40B/180B), parallel_attn etc. live in the family code; this flag is the one that changes shapes.</summary>
    public bool? NewDecoderArchitecture { get; init; }

    /// <summary>OPT's word_embed_proj_dim when it differs from hidden_size (OPT-350m).</summary>
    public int? WordEmbedProjDim { get; init; }

    /// <summary>
    /// Whether attention and MLP read the same normalised input and add into the residual together
    /// (Falcon parallel_attn, GPT-NeoX/StableLM use_parallel_residual). Null: the family's default.
    /// </summary>
    public bool? ParallelAttention { get; init; }

    /// <summary>OPT's do_layer_norm_before: false (OPT-350m) means post-norm blocks and no final layer norm. Null: true.</summary>
    public bool? DoLayerNormBefore { get; init; }

    public int KeyValueHeads => NumKeyValueHeads ?? NumAttentionHeads;

    public int HeadDimension => HeadDim ?? HiddenSize / NumAttentionHeads;

    public int Experts => NumLocalExperts is > 1 ? NumLocalExperts.Value : 1;

    public int ActiveExperts => Experts > 1 ? NumExpertsPerTok ?? 2 : 1;

    public bool IsMixtureOfExperts => Experts > 1;
}
