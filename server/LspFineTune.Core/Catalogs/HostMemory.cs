using System.Globalization;

namespace LspFineTune.Core.Catalogs;

/// <summary>
/// The RAM of the machine <c>lft</c> runs on: the memory budget of the <c>cpu</c> pseudo-device,
/// since the bundled trainer allocates its tensors from host memory.
/// </summary>
public static class HostMemory
{
    private static readonly Lazy<long> Total = new(Read);

    /// <summary>Physical memory in bytes (read once per process).</summary>
    public static long TotalBytes => Total.Value;

    /// <summary>The <c>MemTotal</c> line of <c>/proc/meminfo</c> in bytes, or null when absent or malformed.</summary>
    internal static long? ParseMemTotal(string meminfo)
    {
        foreach (var line in meminfo.Split('\n'))
        {
            if (!line.StartsWith("MemTotal:", StringComparison.Ordinal))
            {
                continue;
            }

            // "MemTotal:       16318412 kB": the kernel always reports kibibytes here.
            var fields = line["MemTotal:".Length..].Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (fields.Length >= 1 && long.TryParse(fields[0], NumberStyles.None, CultureInfo.InvariantCulture, out var kib))
            {
                return fields.Length >= 2 && fields[1] != "kB" ? null : kib * 1024;
            }

            return null;
        }

        return null;
    }

    private static long Read()
    {
        // What the GC sees honours a container's cgroup limit, which /proc/meminfo does not;
        // the smaller of the two is what a training process can really use.
        long gcView = GC.GetGCMemoryInfo().TotalAvailableMemoryBytes;
        long? memTotal = null;
        try
        {
            memTotal = ParseMemTotal(File.ReadAllText("/proc/meminfo"));
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // Not Linux, or /proc is hidden: the GC's figure is the best we have.
        }

        return memTotal is { } bytes && (gcView <= 0 || bytes < gcView) ? bytes : gcView;
    }
}
