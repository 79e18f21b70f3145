namespace LspFineTune.Trainer.Native;

/// <summary>
/// libtorch's MKL (linked statically into libtorch_cpu.so) checks the CPU's vendor before its features: on an AMD CPU
/// it takes its generic AVX2 path (`mkl_blas_def_sgemm_kernel_0_zen` in `perf`) even when the CPU has AVX-512. Its
/// check is the exported function <c>mkl_serv_intel_cpu_true</c>, called through the PLT, so a preloaded library that
/// answers it (Native/mkl_intel_cpu_check.c, built next to lft-train.dll where a C compiler is found) lets MKL's
/// dispatcher choose by the CPU's feature flags as it does on Intel. Measured on an AMD EPYC with AVX-512 (tiny model,
/// tcmalloc, 2026-12-02): LoRA q/v sdpa 90–106 → 50–60 ms a step, full fine-tuning 112–127 → 64–96 ms, with
/// `mkl_blas_avx512_sgemm_kernel_*` in the profile. Only on AMD CPUs that report AVX-512 F, BW, DQ and VL, the
/// instructions those kernels use; on Intel the check already says yes. LFT_TRAIN_MKL_VENDOR_CHECK=keep leaves it.
/// </summary>
internal static class MklVendorCheck
{
    internal const string LibraryName = "libmkl_intel_cpu_check.so";
    internal const string ChoiceVariable = "LFT_TRAIN_MKL_VENDOR_CHECK";

    /// <summary>The library to preload, or null when it does not apply, is not built, or the user keeps MKL's check.</summary>
    public static string? LibraryToPreload()
    {
        if (!OperatingSystem.IsLinux() || string.Equals(Environment.GetEnvironmentVariable(ChoiceVariable)?.Trim(), "keep", StringComparison.OrdinalIgnoreCase))
            return null;
        var library = Path.Combine(AppContext.BaseDirectory, LibraryName);
        return File.Exists(library) && IsAmdWithAvx512() ? library : null;
    }

    /// <summary>Whether this process runs with MKL's vendor check answered (the library is mapped).</summary>
    public static bool Answered() => Preloads.IsMapped(LibraryName);

    internal static bool IsAmdWithAvx512()
    {
        try
        {
            string? vendor = null;
            HashSet<string>? flags = null;
            foreach (var line in File.ReadLines("/proc/cpuinfo"))
            {
                if (vendor is null && line.StartsWith("vendor_id", StringComparison.Ordinal))
                    vendor = line[(line.IndexOf(':') + 1)..].Trim();
                else if (flags is null && line.StartsWith("flags", StringComparison.Ordinal))
                    flags = [.. line[(line.IndexOf(':') + 1)..].Split(' ', StringSplitOptions.RemoveEmptyEntries)];
                if (vendor is not null && flags is not null)
                    break;
            }
            return vendor == "AuthenticAMD" && flags is not null && new[] { "avx512f", "avx512bw", "avx512dq", "avx512vl" }.All(flags.Contains);
        }
        catch (IOException)
        {
            return false;
        }
    }
}
