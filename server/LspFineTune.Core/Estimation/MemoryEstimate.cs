namespace LspFineTune.Core.Estimation;

/// <summary>Per-GPU peak memory with its named terms; the terms add up to <see cref="PeakBytes"/>.</summary>
public sealed record MemoryEstimate
{
    public required IReadOnlyList<MemoryTerm> Terms { get; init; }

    public required long UsableBytes { get; init; }

    /// <summary>Bytes each node's host must hold for ZeRO-Offload / ZeRO-Infinity (all its GPUs' shares).</summary>
    public required long OffloadedBytesPerNode { get; init; }

    public required Planning.OffloadTarget OffloadTarget { get; init; }

    /// <summary>What one block saves per token, by part, for hovers and the breakdown view.</summary>
    public required IReadOnlyList<ActivationPart> ActivationParts { get; init; }

    /// <summary>The peak as the device sees it (nvidia-smi): tensors, the allocator's fragmentation and the CUDA context.
    /// The terms add up to it, and the out-of-memory verdict uses it: an allocation fails when the reserved memory
    /// cannot grow within what the context leaves.</summary>
    public long PeakBytes => Terms.Sum(t => t.Bytes);

    /// <summary>A paged optimizer's states, in CUDA unified memory outside the peak (the driver evicts them to host memory).</summary>
    public long PagedBytes { get; init; }

    /// <summary>The CUDA context (or the CPU process's baseline), part of the overhead term.</summary>
    public long ContextBytes { get; init; }

    /// <summary>The caching allocator's reserve beyond the tensors, part of the overhead term.</summary>
    public long FragmentationBytes { get; init; }

    /// <summary>The tensors alone at the peak: what <c>torch.cuda.max_memory_allocated()</c> reports.</summary>
    public long AllocatedBytes => PeakBytes - ContextBytes - FragmentationBytes;

    /// <summary>The allocator's peak: what <c>torch.cuda.max_memory_reserved()</c> reports.</summary>
    public long ReservedBytes => PeakBytes - ContextBytes;

    public bool Fits => PeakBytes <= UsableBytes;

    /// <summary>Peak as a fraction of usable memory.</summary>
    public double Utilisation => UsableBytes > 0 ? (double)PeakBytes / UsableBytes : double.PositiveInfinity;

    public long Term(string name) => Terms.FirstOrDefault(t => t.Name == name)?.Bytes ?? 0;
}
