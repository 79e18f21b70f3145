namespace LspFineTune.Core.Catalogs;

/// <summary>
/// The parameter layout of a model, derived from its architecture by its layout builder (see
/// <see cref="Layouts.ModelLayouts"/>): the block linears (for LoRA targets, activations and FLOPs), norms, embeddings,
/// head, the blocks' other weights and a vision tower. Every count is in parameters (elements), not bytes.
/// </summary>
public sealed record ModelStructure
{
    public required ModelArchitecture Architecture { get; init; }

    /// <summary>
    /// The linear layers of the blocks, with Hugging Face module names: every linear any block has, each with the
    /// number of blocks holding it (<see cref="LayersOf"/>).
    /// </summary>
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

    /// <summary>
    /// Block weights that are not linears or the per-block norms, summed over all blocks: convolution kernels, A_log, D
    /// and dt_bias of state-space mixers, attention sinks, norms inside a mixer. Trained and stored like any weight.
    /// </summary>
    public long OtherBlockParameters { get; init; }

    /// <summary>The vision tower and its projector (vision-language models); 0 for text-only models.</summary>
    public long VisionParameters { get; init; }

    public int Layers => Architecture.NumHiddenLayers;

    /// <summary>How many blocks hold <paramref name="linear"/>.</summary>
    public int LayersOf(LinearModule linear) => linear.Layers is > 0 and var count && count < Layers ? count : Layers;

    /// <summary>Parameters of all block linears over all blocks.</summary>
    public long BlockLinearParameters => LayerLinears.Sum(l => l.Parameters * LayersOf(l));

    /// <summary>Weights (no biases) of all block linears over all blocks: what int8/nf4 quantization stores compactly.</summary>
    public long BlockLinearWeights => LayerLinears.Sum(l => l.WeightParameters * LayersOf(l));

    /// <summary>The language model alone: blocks, embeddings, final norm and head.</summary>
    public long TextParameters => BlockLinearParameters + (long)Layers * LayerNormParameters + OtherBlockParameters + EmbeddingParameters + FinalNormParameters + LmHeadParameters;

    public long TotalParameters => TextParameters + VisionParameters;

    /// <summary>Parameters each text token touches: for MoE only the routed experts count (the FLOPs basis).</summary>
    public long ActiveParameters =>
        LayerLinears.Sum(l => l.ActiveParameters * LayersOf(l)) + (long)Layers * LayerNormParameters + OtherBlockParameters + EmbeddingParameters + FinalNormParameters + LmHeadParameters;

    /// <summary>One block's parameters, on average over the blocks (blocks of hybrid models differ).</summary>
    public long LayerParameters => Layers == 0 ? 0 : (BlockLinearParameters + OtherBlockParameters) / Layers + LayerNormParameters;

    /// <summary>
    /// The biggest block: the linears every block has, plus the largest set of linears that only some blocks have
    /// (grouped by how many blocks hold them: DeepSeek's experts vs its first dense MLP).
    /// </summary>
    public long LargestBlockParameters =>
        LayerLinears.Where(l => LayersOf(l) == Layers).Sum(l => l.Parameters)
        + LayerLinears.Where(l => LayersOf(l) < Layers).GroupBy(LayersOf).Select(g => g.Sum(l => l.Parameters)).DefaultIfEmpty(0).Max()
        + LayerNormParameters + (Layers == 0 ? 0 : OtherBlockParameters / Layers);

    /// <summary>The biggest single module a ZeRO-3 gather must materialise at once: a block, the embedding or the head.</summary>
    public long LargestLayerParameters => Math.Max(LargestBlockParameters, Math.Max(EmbeddingParameters, LmHeadParameters));

    /// <summary>Parameters of the head matmul: the head itself, or the tied embedding it reuses.</summary>
    public long HeadMatmulParameters => (long)Architecture.VocabSize * Architecture.HiddenSize;
}
