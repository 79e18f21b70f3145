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

    public long PeakBytes => Terms.Sum(t => t.Bytes);

    public bool Fits => PeakBytes <= UsableBytes;

    /// <summary>Peak as a fraction of usable memory.</summary>
    public double Utilisation => UsableBytes > 0 ? (double)PeakBytes / UsableBytes : double.PositiveInfinity;

    public long Term(string name) => Terms.FirstOrDefault(t => t.Name == name)?.Bytes ?? 0;
}
