using System.Globalization;

namespace LspFineTune.Server.Tuning;

/// <summary>How many trials run at once: one per core (each trial's libtorch then gets one thread: small models
/// scale worse across threads than across processes), as many as the memory the estimate says each needs allows.</summary>
public static class SweepParallelism
{
    public static int Choose(int trials, long? estimatedPeakBytes, int cores, long availableBytes)
    {
        var byMemory = estimatedPeakBytes is > 0 and var peak ? (int)Math.Min(int.MaxValue, (long)(availableBytes * 0.8) / peak) : cores;
        return Math.Clamp(Math.Min(cores, byMemory), 1, Math.Max(1, trials));
    }

    /// <summary>MemAvailable from /proc/meminfo (what can be used without swapping), else what .NET sees as total.</summary>
    public static long AvailableBytes()
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/meminfo"))
            {
                if (line.StartsWith("MemAvailable:", StringComparison.Ordinal)
                    && long.TryParse(line["MemAvailable:".Length..].Replace("kB", "").Trim(), NumberStyles.Integer, CultureInfo.InvariantCulture, out var kib))
                    return kib * 1024;
            }
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
        return GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
    }
}
