namespace LspFineTune.Core.Catalogs;

/// <summary>
/// The parameter layout of a model, derived from its architecture by <see cref="ModelStructureBuilder"/>:
/// the per-layer linears (for LoRA targets, activations and FLOPs), norms, embeddings and head.
/// Every count is in parameters (elements), not bytes.
/// </summary>
public sealed record ModelStructure
{
    public required ModelArchitecture Architecture { get; init; }

    /// <summary>The linear layers of one transformer block, with Hugging Face module names.</summary>
    public required IReadOnlyList<LinearModule> LayerLinears { get; init; }

    /// <summary>Norm weights (and biases) in one block.</summary>
    public required long LayerNormParameters { get; init; }

    /// <summary>Token embedding plus learned position embeddings (and projections such as OPT's project_in/out).</summary>
    public required long EmbeddingParameters { get; init; }

    /// <summary>The final norm before the head.</summary>
    public required long FinalNormParameters { get; init; }

    /// <summary>The output head (lm_head / embed_out); 0 when tied to the token embedding.</summary>
    public required long LmHeadParameters { get; init; }

    /// <summary>True for gated MLPs (SwiGLU/GeGLU: gate and up), false for GeLU MLPs (fc1/fc2).</summary>
    public required bool GatedMlp { get; init; }

    /// <summary>True when attention and MLP read the same normalised input (GPT-J, Falcon, Phi-2 parallel blocks).</summary>
    public bool ParallelAttentionAndMlp { get; init; }

    public int Layers => Architecture.NumHiddenLayers;

    public long LayerParameters => LayerLinears.Sum(l => l.Parameters) + LayerNormParameters;

    public long TotalParameters => Layers * LayerParameters + EmbeddingParameters + FinalNormParameters + LmHeadParameters;

    /// <summary>Parameters each token touches: for MoE only the routed experts count (the FLOPs basis).</summary>
    public long ActiveParameters =>
        Layers * (LayerLinears.Sum(l => l.ActiveParameters) + LayerNormParameters) + EmbeddingParameters + FinalNormParameters + LmHeadParameters;

    /// <summary>The biggest single module a ZeRO-3 gather must materialise at once: a block, the embedding or the head.</summary>
    public long LargestLayerParameters => Math.Max(LayerParameters, Math.Max(EmbeddingParameters, LmHeadParameters));

    /// <summary>Parameters of the head matmul: the head itself, or the tied embedding it reuses.</summary>
    public long HeadMatmulParameters => (long)Architecture.VocabSize * Architecture.HiddenSize;
}
