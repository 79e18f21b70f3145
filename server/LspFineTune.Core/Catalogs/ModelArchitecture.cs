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

    private readonly string? _layout;
    private readonly DecoderOptions? _decoder;

    /// <summary>
    /// The builder that lays the model out (its family file's <c>layout</c>: decoder, gpt2, falcon, ...); when not set,
    /// the layout of the family that owns <see cref="ModelType"/>, else the generic decoder.
    /// </summary>
    public string Layout
    {
        get => _layout ?? ModelFamilies.Default.ForModelType(ModelType)?.Layout ?? "decoder";
        init => _layout = value;
    }

    /// <summary>The generic decoder's switches that no config.json key carries (the family file's <c>layout_options</c>); when not set, the owning family's.</summary>
    public DecoderOptions Decoder
    {
        get => _decoder ?? ModelFamilies.Default.ForModelType(ModelType)?.Options ?? DecoderOptions.Llama;
        init => _decoder = value;
    }

    /// <summary>The product family (qwen3, llama-3.1, ...) for did-you-mean; the model_type when not from the catalog.</summary>
    public string? Family { get; init; }

    /// <summary>MoE expert width (Qwen MoE, DeepSeek: moe_intermediate_size); null: intermediate_size.</summary>
    public int? MoeIntermediateSize { get; init; }

    /// <summary>Width of the always-on shared expert(s) in one MoE block (Qwen2-MoE shared_expert_intermediate_size; DeepSeek n_shared_experts x moe_intermediate_size).</summary>
    public int? SharedExpertIntermediateSize { get; init; }

    /// <summary>How many blocks carry experts; the rest have a dense MLP of intermediate_size (DeepSeek first_k_dense_replace, Qwen decoder_sparse_step / mlp_only_layers). Null: all.</summary>
    public int? MoeLayers { get; init; }

    /// <summary>Multi-head latent attention (DeepSeek-V2/V3): the query low-rank width (null: a plain q_proj).</summary>
    public int? QLoraRank { get; init; }

    /// <summary>Multi-head latent attention: the compressed key/value width; non-null means MLA.</summary>
    public int? KvLoraRank { get; init; }

    public int? QkNopeHeadDim { get; init; }

    public int? QkRopeHeadDim { get; init; }

    public int? VHeadDim { get; init; }

    /// <summary>The local attention window of sliding-window layers (Mistral v0.1, Gemma 2/3, gpt-oss); null: none.</summary>
    public int? SlidingWindow { get; init; }

    /// <summary>Blocks whose attention is windowed by <see cref="SlidingWindow"/>.</summary>
    public int SlidingWindowLayers { get; init; }

    /// <summary>Blocks with no quadratic attention at all (linear attention, state-space or convolution mixers of hybrid models).</summary>
    public int LinearMixerLayers { get; init; }

    /// <summary>The vision tower of a vision-language model (config.json vision_config); null for text-only models.</summary>
    public VisionTowerConfig? Vision { get; init; }

    /// <summary>Layout-specific config.json values a builder needs beyond these fields (hybrid mixers' widths, ...), by config.json key.</summary>
    public ConfigNumbers Extra { get; init; } = ConfigNumbers.Empty;

    public bool IsMultiHeadLatentAttention => KvLoraRank is > 0;

    /// <summary>Blocks with full (quadratic, causal) attention over the whole sequence.</summary>
    public int FullAttentionLayers => Math.Max(0, NumHiddenLayers - SlidingWindowLayers - LinearMixerLayers);

    /// <summary>Width of a query/key head in the attention scores (MLA: nope + rope parts).</summary>
    public int QueryKeyHeadDimension => IsMultiHeadLatentAttention ? (QkNopeHeadDim ?? 0) + (QkRopeHeadDim ?? 0) : HeadDimension;

    /// <summary>Width of a value head (MLA: v_head_dim).</summary>
    public int ValueHeadDimension => IsMultiHeadLatentAttention ? VHeadDim ?? HeadDimension : HeadDimension;

    public int ExpertIntermediateSize => MoeIntermediateSize ?? IntermediateSize;

    public int SparseLayers => IsMixtureOfExperts ? Math.Clamp(MoeLayers ?? NumHiddenLayers, 0, NumHiddenLayers) : 0;

    public int KeyValueHeads => NumKeyValueHeads ?? NumAttentionHeads;

    public int HeadDimension => HeadDim ?? HiddenSize / NumAttentionHeads;

    public int Experts => NumLocalExperts is > 1 ? NumLocalExperts.Value : 1;

    public int ActiveExperts => Experts > 1 ? NumExpertsPerTok ?? 2 : 1;

    public bool IsMixtureOfExperts => Experts > 1;
}
