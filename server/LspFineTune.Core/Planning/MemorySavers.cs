namespace LspFineTune.Core.Planning;

/// <summary>
/// How the loss is computed from the last hidden state. Each kernel holds different tensors at the loss peak
/// (<see cref="Estimation.LogitsMemory"/> derives each from its source).
/// </summary>
public enum LossKernel
{
    /// <summary>Hugging Face's ForCausalLMLoss: the full logits, upcast to fp32, then cross_entropy.</summary>
    Standard,

    /// <summary>
    /// Cross-entropy over chunks of the logits, each upcast to fp32 on its own (torchtune CEWithChunkedOutputLoss,
    /// LinearCrossEntropyLoss; axolotl <c>chunked_cross_entropy</c>).
    /// </summary>
    Chunked,

    /// <summary>TRL's SFT default <c>loss_type: chunked_nll</c>: the head and loss per 256 valid tokens, each chunk checkpointed.</summary>
    ChunkedNll,

    /// <summary>Liger's fused linear cross-entropy: head, loss and gradients per token chunk inside forward.</summary>
    LigerFused,

    /// <summary>Apple's cut cross-entropy: the logits never leave on-chip memory.</summary>
    CutCrossEntropy,
}

/// <summary>Where a chunked loss takes its chunks, which decides which logits exist together and how their gradients meet.</summary>
public enum ChunkSplit
{
    /// <summary>The model computes the full logits and the loss splits them into views (axolotl's chunked_cross_entropy patch):
    /// the chunks' gradients are concatenated back into one full-size gradient.</summary>
    LogitsViews,

    /// <summary>The model runs the head on each hidden chunk and returns the list (torchtune CEWithChunkedOutputLoss): every
    /// chunk's 16-bit logits exist after forward, but each chunk's gradient goes its own way.</summary>
    HeadOutputs,

    /// <summary>The loss splits the hidden state and runs the head on each chunk itself (torchtune LinearCrossEntropyLoss):
    /// a chunk's logits exist only while it is computed, unless something saves them.</summary>
    Hidden,
}

/// <summary>
/// Memory savers beyond the checkpointing switch: the loss kernel, activation offloading, selective checkpointing,
/// the optimizer step inside backward, context and tensor parallelism, and torch.compile. Defaults change nothing.
/// </summary>
public sealed record MemorySaversChoice
{
    public LossKernel Loss { get; init; } = LossKernel.Standard;

    /// <summary>Chunks of a <see cref="LossKernel.Chunked"/> loss (torchtune's and axolotl's default: 8).</summary>
    public int LossChunks { get; init; } = DefaultLossChunks;

    public ChunkSplit ChunkSplit { get; init; } = ChunkSplit.LogitsViews;

    /// <summary>
    /// The chunked loss's upcast and cross-entropy run compiled (axolotl always compiles them; torchtune with <c>compile: True</c>):
    /// inductor then saves the 16-bit chunk and its log-sum-exp instead of fp32 log-probabilities.
    /// </summary>
    public bool LossCompiled { get; init; }

    /// <summary>Checkpointed block inputs are moved to host memory (torchtune/TRL OffloadActivations, unsloth-style offloaded checkpointing).</summary>
    public ActivationOffload Offload { get; init; } = ActivationOffload.None;

    /// <summary>
    /// Selective checkpointing: every k-th block is checkpointed and the others keep all their activations (torchtune
    /// <c>ac_mode: selective</c>, <c>ac_option: k</c>). 0: off (the <c>GradientCheckpointing</c> switch decides).
    /// </summary>
    public int CheckpointEvery { get; init; }

    /// <summary>The optimizer steps each parameter as soon as its gradient is ready and frees it (torchtune <c>optimizer_in_bwd</c>).</summary>
    public bool OptimizerInBackward { get; init; }

    /// <summary>GPUs each sequence is split across (ring attention or Ulysses); 1: none.</summary>
    public int ContextParallelSize { get; init; } = 1;

    /// <summary>GPUs each block's weights are split across, Megatron style; 1: none.</summary>
    public int TensorParallelSize { get; init; } = 1;

    /// <summary>Liger's RMSNorm kernel (LigerRMSNormFunction): saves the input in its dtype and an fp32 rstd per token.</summary>
    public bool LigerRmsNorm { get; init; }

    /// <summary>Liger's SwiGLU/GeGLU kernel (LigerSiLUMulFunction): saves the gate and up outputs, recomputes the activation.</summary>
    public bool LigerGatedMlp { get; init; }

    /// <summary>torch.compile on the model. Recorded; it changes the estimate only through <see cref="LossCompiled"/>.</summary>
    public bool Compile { get; init; }

    public const int DefaultLossChunks = 8;
}

/// <summary>
/// A loss kernel with the settings its framework gives it: the value of a <c>LossKernel</c> plan change, so a fix is
/// estimated with the very chunking and compile the dialect's key turns on, and with the Liger block kernels the same
/// key brings along (<c>use_liger_kernel</c> patches RMSNorm and SwiGLU too). For kernels other than chunked, the split,
/// chunks and compile are the defaults.
/// </summary>
public sealed record LossChoice(LossKernel Kernel, ChunkSplit Split = ChunkSplit.LogitsViews, int Chunks = MemorySaversChoice.DefaultLossChunks, bool Compiled = false,
    bool LigerRmsNorm = false, bool LigerGatedMlp = false)
{
    public static LossChoice Of(MemorySaversChoice savers) => savers.Loss == LossKernel.Chunked
        ? new LossChoice(LossKernel.Chunked, savers.ChunkSplit, savers.LossChunks, savers.LossCompiled, savers.LigerRmsNorm, savers.LigerGatedMlp)
        : new LossChoice(savers.Loss, LigerRmsNorm: savers.LigerRmsNorm, LigerGatedMlp: savers.LigerGatedMlp);

    public MemorySaversChoice ApplyTo(MemorySaversChoice savers) =>
        savers with { Loss = Kernel, ChunkSplit = Split, LossChunks = Chunks, LossCompiled = Compiled, LigerRmsNorm = LigerRmsNorm, LigerGatedMlp = LigerGatedMlp };

    /// <summary>The neutral spelling: <c>chunked</c>, <c>liger_fused</c>, <c>cut_cross_entropy</c>.</summary>
    public override string ToString() => Kernel switch
    {
        LossKernel.Chunked => "chunked",
        LossKernel.ChunkedNll => "chunked_nll",
        LossKernel.LigerFused => "liger_fused",
        LossKernel.CutCrossEntropy => "cut_cross_entropy",
        _ => "standard",
    };
}

/// <summary>How checkpointed activations go to host memory.</summary>
public enum ActivationOffload
{
    None,

    /// <summary>
    /// torchtune's OffloadActivations (copied by TRL, used by axolotl) with its side stream: a stash of up to five recent
    /// tensors stays on the GPU while their copies run, and the copies overlap compute.
    /// </summary>
    Streams,

    /// <summary>
    /// A copy on the compute stream (OffloadActivations with <c>use_streams: False</c>, axolotl <c>legacy</c>, unsloth's
    /// offloaded checkpointing, axolotl <c>gradient_checkpointing: offload</c>, LLaMA-Factory <c>use_unsloth_gc</c>):
    /// one checkpoint on the GPU at a time, and the copies add to the step time.
    /// </summary>
    Synchronous,
}
