using LspFineTune.Core.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace LspFineTune.Core.Catalogs;

/// <summary>
/// The accelerators the estimator knows, from the embedded <c>Catalogs/Data/gpus.json</c>
/// (derived from shared/data/gpus.csv and the vendor documents each entry names; every figure's origin is in the
/// entry's spec_source, notes and usable_memory_source).
/// A name resolves in two steps. First as an id or alias, case-insensitively and ignoring spaces, hyphens and
/// underscores ("A100_80GB", "a100 80gb" and "a100-80gb" are the same name). Then taken apart by <see cref="GpuName"/>:
/// brand words ("NVIDIA", "GeForce", "RTX", "Tesla", "AMD Instinct") and memory types ("HBM3") drop out, and a memory
/// size ("80GB", "80G") picks among the entries of that product, or, when the product has no entry of that size, the
/// one variant of its line that has it ("A800 40GB" is the A800 40GB PCIe). A size no variant has finds nothing:
/// <see cref="DidYouMean"/> then lists the variants instead of silently taking another size.
/// </summary>
public sealed partial class GpuCatalog
{
    private const string ResourceName = "LspFineTune.Catalogs.gpus.json";

    private static readonly Lazy<GpuCatalog> DefaultCatalog = new(LoadEmbedded);

    private readonly Dictionary<string, GpuSpec> byKey = new(StringComparer.Ordinal);

    // Product ("a800", "a800pcie") -> the entries an id, name or alias of which names it, in data-file order.
    private readonly Dictionary<string, List<GpuSpec>> byProduct = new(StringComparer.Ordinal);

    // Line ("a800": the product without its form factor, from the id) -> its variants, in data-file order.
    private readonly Dictionary<string, List<GpuSpec>> byLine = new(StringComparer.Ordinal);

    /// <param name="gpus">The entries; a <c>cpu</c> entry with 0 bytes gets the host's RAM.</param>
    /// <exception cref="InvalidOperationException">Two entries claim the same id or alias.</exception>
    public GpuCatalog(IEnumerable<GpuSpec> gpus)
    {
        var all = new List<GpuSpec>();
        foreach (var gpu in gpus)
        {
            // 0 in the data file means "whatever this machine has", which only run time knows.
            var spec = gpu.IsCpu && gpu.UsableMemoryBytes == 0
                ? gpu with { UsableMemoryBytes = HostMemory.TotalBytes }
                : gpu;
            all.Add(spec);
            foreach (var name in spec.Aliases.Prepend(spec.Id))
            {
                var key = Normalize(name);
                if (byKey.TryGetValue(key, out var other) && other.Id != spec.Id)
                {
                    throw new InvalidOperationException($"GPU name '{name}' is claimed by both '{other.Id}' and '{spec.Id}'.");
                }

                byKey[key] = spec;
            }

            foreach (var name in spec.Aliases.Prepend(spec.Name).Prepend(spec.Id))
                AddOnce(byProduct, GpuName.Parse(name).Product, spec);
            AddOnce(byLine, GpuName.Parse(spec.Id).Line, spec);
        }

        All = all;
    }

    /// <summary>The catalog embedded in this assembly.</summary>
    public static GpuCatalog Default => DefaultCatalog.Value;

    /// <summary>Every entry, in data-file order (the <c>cpu</c> pseudo-device last).</summary>
    public IReadOnlyList<GpuSpec> All { get; }

    /// <summary>Reads a catalog in the gpus.json format: <c>{"gpus": [ {snake_case GpuSpec}, ... ]}</c>.</summary>
    public static GpuCatalog Load(Stream json)
    {
        var file = JsonSerializer.Deserialize<CatalogFile>(json, JsonOptions)
            ?? throw new InvalidDataException("GPU catalog is empty.");
        return new GpuCatalog(file.Gpus);
    }

    /// <summary>The entry with this id or alias, or the one its product and memory size name; null otherwise.</summary>
    public GpuSpec? Find(string idOrAlias) => Lookup(idOrAlias).Gpu;

    /// <summary>
    /// What a name resolves to: the entry, or, when it names a known product but not one entry (no memory size and
    /// several variants, or a size no variant has), those variants.
    /// </summary>
    public GpuLookup Lookup(string name)
    {
        if (byKey.TryGetValue(Normalize(name), out var exact))
            return new GpuLookup(exact, [], null);

        var parsed = GpuName.Parse(name);
        if (parsed.Product.Length == 0)
            return GpuLookup.None;
        var candidates = byProduct.GetValueOrDefault(parsed.Product) ?? [];
        if (parsed.MemoryGb is not { } memory)
        {
            // "Tesla A100", "NVIDIA GeForce RTX 4090": the product alone is an alias.
            if (byKey.TryGetValue(parsed.Product, out var named))
                return new GpuLookup(named, [], null);
            return candidates.Count == 1 ? new GpuLookup(candidates[0], [], null) : new GpuLookup(null, candidates, null);
        }

        var sized = candidates.Where(gpu => gpu.MemoryGb == memory).ToList();
        if (sized.Count == 1)
            return new GpuLookup(sized[0], [], memory);
        if (sized.Count > 1)
            return new GpuLookup(null, sized, memory);

        var variants = byLine.GetValueOrDefault(parsed.Line) ?? candidates;
        // Only a name without a form factor (or with one no alias spells) may move to another variant of the line:
        // "A800 40GB" is the PCIe card, but "H100 SXM5 94GB" is no H100 NVL.
        if (parsed.Product == parsed.Line || candidates.Count == 0)
        {
            var lineSized = variants.Where(gpu => gpu.MemoryGb == memory).ToList();
            if (lineSized.Count == 1)
                return new GpuLookup(lineSized[0], [], memory);
            if (lineSized.Count > 1)
                return new GpuLookup(null, lineSized, memory);
        }

        return new GpuLookup(null, variants.Count > 0 ? variants : candidates, memory);
    }

    /// <summary>
    /// Ids for "did you mean", best first: the variants of a product the name names but does not pin down (nearest
    /// memory first), else the ids or aliases nearest by edit distance.
    /// Empty when nothing is close enough to be a plausible typo.
    /// </summary>
    public IReadOnlyList<string> Suggest(string unknown, int max = 3)
    {
        if (max <= 0)
            return [];
        var lookup = Lookup(unknown);
        if (lookup.Variants.Count > 0)
            return Nearest(lookup).Take(max).Select(gpu => gpu.Id).ToList();

        var key = Normalize(unknown);
        if (key.Length == 0)
        {
            return [];
        }

        // Beyond this many edits it is another name rather than a misspelling, and a suggestion only misleads.
        int limit = Math.Max(2, key.Length / 2);
        var order = All.Select((gpu, index) => (gpu.Id, index)).ToDictionary(x => x.Id, x => x.index);
        return byKey
            .Select(entry => (entry.Value.Id, Distance: EditDistance.AtMost(key, entry.Key, limit)))
            .Where(candidate => candidate.Distance <= limit)
            .GroupBy(candidate => candidate.Id, (id, candidates) => (Id: id, Distance: candidates.Min(c => c.Distance)))
            .OrderBy(candidate => candidate.Distance)
            .ThenBy(candidate => order[candidate.Id])
            .Take(max)
            .Select(candidate => candidate.Id)
            .ToList();
    }

    /// <summary>
    /// The sentence that follows "Unknown GPU `NAME`." in a diagnostic, with a leading space; empty when nothing comes
    /// close. A size no variant has lists every variant with its memory, so the user sees what exists.
    /// </summary>
    public string DidYouMean(string unknown)
    {
        var lookup = Lookup(unknown);
        if (lookup.Variants.Count > 0)
        {
            var nearest = Nearest(lookup);
            var listed = Join(nearest.Select(gpu => $"`{gpu.Id}` ({gpu.Name}, {gpu.MemoryGb} GB)").ToList(), "and");
            var product = MemorySuffix().Replace(unknown, "").Trim();
            return lookup.MemoryGb is { } memory && nearest.All(gpu => gpu.MemoryGb != memory)
                ? $" No {product} has {memory} GB; the catalog has {listed}. Did you mean `{nearest[0].Id}`?"
                : $" It names {nearest.Count} GPUs: {listed}. Write the id, or add the memory (`{product} {nearest[0].MemoryGb}GB`).";
        }

        var suggestions = Suggest(unknown);
        return suggestions.Count > 0 ? $" Did you mean `{suggestions[0]}`?" : "";
    }

    // Variants nearest the memory asked for first (a 48 GB typo is likelier the 40 GB card than the 80 GB one).
    private static List<GpuSpec> Nearest(GpuLookup lookup) =>
        lookup.Variants.OrderBy(gpu => lookup.MemoryGb is { } memory ? Math.Abs(gpu.MemoryGb - memory) : 0).ToList();

    private static string Join(IReadOnlyList<string> items, string conjunction) =>
        items.Count <= 1 ? string.Concat(items) : $"{string.Join(", ", items.Take(items.Count - 1))} {conjunction} {items[^1]}";

    private static void AddOnce(Dictionary<string, List<GpuSpec>> index, string key, GpuSpec spec)
    {
        if (key.Length == 0)
            return;
        if (!index.TryGetValue(key, out var list))
            index[key] = list = [];
        if (!list.Contains(spec))
            list.Add(spec);
    }

    [System.Text.RegularExpressions.GeneratedRegex(@"[\s\-_]*\d{1,4}\s*(?:gb|g|gib)\b", System.Text.RegularExpressions.RegexOptions.IgnoreCase)]
    private static partial System.Text.RegularExpressions.Regex MemorySuffix();

    /// <summary>The comparison form of a name: lower case, without whitespace, hyphens and underscores.</summary>
    internal static string Normalize(string name)
    {
        var chars = name.Where(c => !char.IsWhiteSpace(c) && c is not ('-' or '_')).Select(char.ToLowerInvariant).ToArray();
        return new string(chars);
    }


    private static GpuCatalog LoadEmbedded()
    {
        using var stream = typeof(GpuCatalog).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"Embedded resource '{ResourceName}' is missing from the build.");
        return Load(stream);
    }

    private static readonly JsonSerializerOptions JsonOptions = new()
    {
        PropertyNamingPolicy = new CatalogNamingPolicy(),
        // A misspelt key in the data file should fail loudly, not leave a default behind.
        UnmappedMemberHandling = JsonUnmappedMemberHandling.Disallow,
        ReadCommentHandling = JsonCommentHandling.Skip,
    };

    private sealed record CatalogFile(IReadOnlyList<GpuSpec> Gpus);

    /// <summary>
    /// snake_case as the data file writes it. The built-in snake_case policy splits "GBps" into "g_bps" and keeps
    /// "FlashAttention2" as "flash_attention2", so those few names are spelled out.
    /// </summary>
    private sealed class CatalogNamingPolicy : JsonNamingPolicy
    {
        private static readonly Dictionary<string, string> Exceptions = new(StringComparer.Ordinal)
        {
            [nameof(GpuSpec.MemoryBandwidthGBps)] = "memory_bandwidth_gbps",
            [nameof(GpuSpec.IntraNodeBandwidthGBps)] = "intra_node_bandwidth_gbps",
            [nameof(GpuSpec.FlashAttention2)] = "flash_attention_2",
        };

        public override string ConvertName(string name) =>
            Exceptions.TryGetValue(name, out var converted) ? converted : SnakeCaseLower.ConvertName(name);
    }
}
