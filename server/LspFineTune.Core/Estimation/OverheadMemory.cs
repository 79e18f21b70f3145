using LspFineTune.Core.Planning;

namespace LspFineTune.Core.Estimation;

/// <summary>
/// Memory the framework takes beyond tensors: the CUDA context (driver state, loaded kernels, cuBLAS workspace)
/// and the caching allocator's fragmentation. The context is a constant; fragmentation is a fraction of what
/// the tensors take.
/// </summary>
public static class OverheadMemory
{
    /// <summary>CUDA context + kernels + cuBLAS workspace: 650 MiB as measured by gpu_poor (README: 500 MB-1 GB).</summary>
    public const double CudaContextBytes = 650 * ByteSizes.MiB;

    /// <summary>
    /// The bundled trainer's process on CPU without its tensors: the .NET runtime and libtorch's CPU libraries. Measured
    /// (2026-12-02, lft-train under tcmalloc with MKL's AVX-512 kernels, tests/LspFineTune.Trainer.Tests/Data/cpu-estimate-vs-measured.json):
    /// RSS before the first step 221–227 MiB over the recorded variants, of which ~3 MiB are the tiny model's weights
    /// (counted as weights), plus the code the steps run first: RssFile +11–16 MiB (libtorch's backward, optimizer and
    /// MKL's GEMM kernels) and RssShmem +2 MiB (JIT-compiled .NET code) between the start event and the peak.
    /// </summary>
    public const double CpuProcessBytes = 233 * ByteSizes.MiB;

    /// <summary>Allocator fragmentation and temporaries: Megatron-LM's theoretical memory model adds 5% (theoretical_memory_usage.py).</summary>
    public const double FragmentationFraction = 0.05;

    public static double Bytes(TrainingPlan plan, double tensorBytes, out string formula)
    {
        formula = $"{(plan.Hardware.Gpu.IsCpu ? "process baseline 233 MiB" : "CUDA context 650 MiB")} + 5% of tensors for allocator fragmentation";
        return ContextBytes(plan) + FragmentationBytes(tensorBytes);
    }

    /// <summary>Memory outside PyTorch's allocator: the CUDA context (or the CPU process's baseline).</summary>
    public static double ContextBytes(TrainingPlan plan) => plan.Hardware.Gpu.IsCpu ? CpuProcessBytes : CudaContextBytes;

    /// <summary>What the caching allocator reserves beyond the tensors it hands out (the gap between
    /// <c>max_memory_reserved</c> and <c>max_memory_allocated</c>).</summary>
    public static double FragmentationBytes(double tensorBytes) => FragmentationFraction * tensorBytes;
}
