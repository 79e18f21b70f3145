using System.Globalization;

namespace LspFineTune.Core.Estimation;

/// <summary>Unit conversions and the human format used in messages (GB = 10^9 bytes, GiB = 2^30).</summary>
public static class ByteSizes
{
    public const double GiB = 1024.0 * 1024 * 1024;
    public const double MiB = 1024.0 * 1024;
    public const double GB = 1e9;

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
