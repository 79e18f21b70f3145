using System.Text.RegularExpressions;

namespace LspFineTune.Core.Catalogs;

/// <summary>
/// A GPU name as users, nvidia-smi and cloud consoles write it, taken apart: the product ("a800", "a800pcie"), its
/// product line without the form factor ("a800"), and the memory it names ("80GB", "80G", "80gb" give 80).
/// The catalog compares these parts instead of keeping a list of spellings: "NVIDIA A800-SXM4-80GB", "A800 80GB"
/// and "a800-80g" are the same three facts written three ways.
/// </summary>
public sealed partial record GpuName(string Product, string Line, int? MemoryGb)
{
    // Words that say who made or sells the card, not which card it is ("NVIDIA GeForce RTX 4090", "Tesla T4",
    // "AMD Instinct MI300X"). "RTX" goes too: users write "3090" and "RTX 3090" for the same card.
    private static readonly string[] BrandWords = ["nvidia", "tesla", "geforce", "quadro", "rtx", "amd", "instinct", "radeon"];

    // The memory technology nvidia-smi appends ("NVIDIA H100 80GB HBM3"): it never tells two catalog entries apart.
    private static readonly HashSet<string> MemoryTypeWords = ["hbm2", "hbm2e", "hbm3", "hbm3e", "gddr5", "gddr5x", "gddr6", "gddr6x", "gddr7"];

    // The package of one product: a variant of the same line, so "A800 40GB" can find the PCIe card that has 40 GB.
    private static readonly HashSet<string> FormFactorWords = ["sxm", "sxm2", "sxm3", "sxm4", "sxm5", "pcie", "pci", "nvl", "hgx", "dgx", "oam"];

    /// <summary>Takes a name apart. Case, spaces, hyphens, underscores, slashes and brackets do not matter.</summary>
    public static GpuName Parse(string name)
    {
        var product = new List<string>();
        int? memory = null;
        // "16/32GB" is two sizes, each with its unit.
        var text = SizeChoice().Replace(name.ToLowerInvariant(), "$1$3 $2$3");
        foreach (var raw in Separators().Split(text))
        {
            if (raw.Length == 0 || MemoryTypeWords.Contains(raw) || BrandWords.Contains(raw))
                continue;
            if (MemorySize().Match(raw) is { Success: true } size)
            {
                // The first size is the card's; a second one ("16/32GB") cannot be both, so neither is taken.
                memory = memory is null ? int.Parse(size.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture) : -1;
                continue;
            }
            product.Add(raw);
        }

        return new GpuName(
            StripBrandPrefix(string.Concat(product)),
            StripBrandPrefix(string.Concat(product.Where(word => !FormFactorWords.Contains(word)))),
            memory is > 0 ? memory : null);
    }

    // "RTX3090" and "nvidiaa100" glue the brand to the model; take it off the front as the separate word was.
    private static string StripBrandPrefix(string key)
    {
        while (BrandWords.FirstOrDefault(brand => key.Length > brand.Length && key.StartsWith(brand, StringComparison.Ordinal)) is { } brand)
            key = key[brand.Length..];
        return key;
    }

    [GeneratedRegex(@"(\d{1,4})\s*/\s*(\d{1,4})\s*(gb|g|gib)\b")]
    private static partial Regex SizeChoice();

    [GeneratedRegex(@"[\s\-_/(),]+")]
    private static partial Regex Separators();

    // "80gb", "80g", "80gib": a memory size. A bare number is not: "rtx 6000" names a card, not 6000 GB.
    [GeneratedRegex(@"^(\d{1,4})(?:gb|g|gib)$")]
    private static partial Regex MemorySize();
}
