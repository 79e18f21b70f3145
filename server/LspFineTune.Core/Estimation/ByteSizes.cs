using System.Globalization;

namespace LspFineTune.Core.Estimation;

/// <summary>Unit conversions and the human format used in messages (GB = 10^9 bytes, GiB = 2^30).</summary>
public static class ByteSizes
{
    public const double GiB = 1024.0 * 1024 * 1024;
    public const double MiB = 1024.0 * 1024;
    public const double GB = 1e9;

    /// <summary>
    /// The largest a single term is counted as: 100 PB, beyond any GPU by ten million times, so a config with numbers at
    /// the edge of their type (a micro-batch of 2^31) reads as out of memory instead of overflowing; twenty terms of it
    /// still add up within a long.
    /// </summary>
    public const double MaxTermBytes = 1e17;

    /// <summary>Bytes as a whole number, saturated at <see cref="MaxTermBytes"/> (NaN counts as the maximum too).</summary>
    public static long ToBytes(double bytes) =>
        double.IsNaN(bytes) || bytes >= MaxTermBytes ? (long)MaxTermBytes : bytes <= 0 ? 0 : (long)Math.Round(bytes);

    public static string Format(double bytes, bool binary = false)
    {
        var unit = binary ? GiB : GB;
        var suffix = binary ? "GiB" : "GB";
        var value = bytes / unit;
        if (Math.Abs(value) >= 0.1)
            return value.ToString(value >= 100 ? "0" : "0.0", CultureInfo.InvariantCulture) + " " + suffix;
        var mega = bytes / (binary ? MiB : 1e6);
        if (Math.Abs(mega) >= 1 || bytes == 0)
            return mega.ToString("0", CultureInfo.InvariantCulture) + (binary ? " MiB" : " MB");
        // A LoRA adapter's gradients on a tiny model are kilobytes: "0 MB" would read as nothing at all.
        var kilo = bytes / (binary ? 1024.0 : 1e3);
        return kilo.ToString("0", CultureInfo.InvariantCulture) + (binary ? " KiB" : " KB");
    }
}
