using LspFineTune.Core.Text;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace LspFineTune.Core.Catalogs;

/// <summary>
/// The accelerators the estimator knows, from the embedded <c>Catalogs/Data/gpus.json</c>
/// (derived from shared/data/gpus.csv; every figure's origin is in the entry's notes and usable_memory_source).
/// Lookups accept ids and aliases case-insensitively and ignore spaces, hyphens and underscores,
/// so "A100_80GB", "a100 80gb" and "a100-80gb" are the same name.
/// </summary>
public sealed class GpuCatalog
{
    private const string ResourceName = "LspFineTune.Catalogs.gpus.json";

    // Vendor and brand words that nvidia-smi / rocm-smi put in front of product names
    // ("NVIDIA GeForce RTX 4090", "Tesla T4", "AMD Instinct MI300X"); stripped when the full name is not an alias.
    private static readonly string[] BrandPrefixes = ["nvidia", "tesla", "geforce", "amd", "instinct"];

    private static readonly Lazy<GpuCatalog> DefaultCatalog = new(LoadEmbedded);

    private readonly Dictionary<string, GpuSpec> byKey = new(StringComparer.Ordinal);

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

    /// <summary>The entry with this id or alias, or null.</summary>
    public GpuSpec? Find(string idOrAlias)
    {
        var key = Normalize(idOrAlias);
        while (key.Length > 0)
        {
            if (byKey.TryGetValue(key, out var spec))
            {
                return spec;
            }

            var prefix = BrandPrefixes.FirstOrDefault(p => key.StartsWith(p, StringComparison.Ordinal));
            if (prefix is null)
            {
                return null;
            }

            key = key[prefix.Length..];
        }

        return null;
    }

    /// <summary>
    /// Ids whose id or an alias is nearest to <paramref name="unknown"/> by edit distance, best first, for "did you mean".
    /// Empty when nothing is close enough to be a plausible typo.
    /// </summary>
    public IReadOnlyList<string> Suggest(string unknown, int max = 3)
    {
        var key = Normalize(unknown);
        if (key.Length == 0 || max <= 0)
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
