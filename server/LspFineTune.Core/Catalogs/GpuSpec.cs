namespace LspFineTune.Core.Catalogs;

/// <summary>
/// One accelerator as the estimator sees it, from <c>Catalogs/Data/gpus.json</c> (derived from shared/data/gpus.csv).
/// Throughputs are dense (no sparsity) peak TFLOPS; 0 means the format is not supported natively.
/// </summary>
public sealed record GpuSpec
{
    /// <summary>Stable lower-case id used in configs, e.g. <c>a100-80gb</c>.</summary>
    public required string Id { get; init; }

    /// <summary>The product name as the data sheet writes it, e.g. <c>A100 80GB SXM4</c>.</summary>
    public required string Name { get; init; }

    /// <summary>Other spellings users write (case-insensitive match), e.g. <c>A100 80GB SXM4</c>, <c>a100</c>.</summary>
    public required IReadOnlyList<string> Aliases { get; init; }

    public required string Vendor { get; init; }

    public required string Architecture { get; init; }

    public required string ComputeCapability { get; init; }

    /// <summary>
    /// The memory the product name and data sheet give, in the vendor's GB (the 80 of "A100 80GB"; per GCD for MI250X).
    /// GPU memory is built in binary sizes (nvidia-smi shows an A100 80GB as 81920 MiB), so this many GiB bound the
    /// usable memory from above. A memory suffix users write ("A800 80GB", "3090 24G") picks the variant by it.
    /// 0 for the <c>cpu</c> pseudo-device.
    /// </summary>
    public required int MemoryGb { get; init; }

    /// <summary>Memory the framework can allocate from (torch's total capacity), in bytes.</summary>
    public required long UsableMemoryBytes { get; init; }

    /// <summary>Where the usable figure comes from (observed torch total, nvidia-smi minus reserve, ...).</summary>
    public required string UsableMemorySource { get; init; }

    public required double Bf16Tflops { get; init; }

    public required double Fp16Tflops { get; init; }

    /// <summary>Non-tensor-core fp32 (what fp32 training without TF32 gets).</summary>
    public required double Fp32Tflops { get; init; }

    public double Tf32Tflops { get; init; }

    /// <summary>Measured large-matmul throughput, when published; a better ceiling than the data sheet.</summary>
    public double? MeasuredBf16MatmulTflops { get; init; }

    public double? MeasuredFp16MatmulTflops { get; init; }

    public required double MemoryBandwidthGBps { get; init; }

    public required bool NativeBf16 { get; init; }

    public required bool FlashAttention2 { get; init; }

    public required string Interconnect { get; init; }

    /// <summary>GPU-to-GPU bandwidth inside a node, GB/s, as vendors quote it: the total of both directions (NVLink, or PCIe when there is none).</summary>
    public required double IntraNodeBandwidthGBps { get; init; }

    /// <summary>True for the <c>cpu</c> pseudo-device of the bundled trainer: memory is the host's RAM.</summary>
    public bool IsCpu { get; init; }

    /// <summary>Caveats behind the figures (sparsity, emulated bf16, per-GCD halving, ...), for hover text.</summary>
    public string? Notes { get; init; }

    /// <summary>
    /// The vendor document the memory, throughput and bandwidth figures come from, by name (data sheet, whitepaper,
    /// product page), with any figure taken elsewhere named after it; <see cref="SpecSourceUrl"/> is where it is.
    /// </summary>
    public required string SpecSource { get; init; }

    /// <summary>The data sheet or product page the throughput figures come from.</summary>
    public string? SpecSourceUrl { get; init; }
}
