namespace LspFineTune.Trainer.Training;

/// <summary>
/// The process's peak resident set (VmHWM in /proc/self/status): on CPU this is what the estimator's peak memory
/// predicts, since libtorch has no allocator statistics there. Writing 5 to /proc/self/clear_refs resets it.
/// </summary>
public static class PeakMemory
{
    public static long PeakResidentBytes() => ReadKilobytes("VmHWM:") * 1024;

    public static long CurrentResidentBytes() => ReadKilobytes("VmRSS:") * 1024;

    /// <summary>Starts a new peak from the current resident size; false where the kernel does not allow it.</summary>
    public static bool Reset()
    {
        try
        {
            File.WriteAllText("/proc/self/clear_refs", "5");
            return true;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return false;
        }
    }

    private static long ReadKilobytes(string key)
    {
        try
        {
            foreach (var line in File.ReadLines("/proc/self/status"))
            {
                if (line.StartsWith(key, StringComparison.Ordinal))
                    return long.Parse(line[key.Length..].Trim().Split(' ')[0], System.Globalization.CultureInfo.InvariantCulture);
            }
        }
        catch (IOException)
        {
        }
        return 0;
    }
}
