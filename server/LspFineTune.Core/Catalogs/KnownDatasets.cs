using System.Reflection;
using System.Text.Json;
using LspFineTune.Core.Planning;

namespace LspFineTune.Core.Catalogs;

/// <summary>
/// Length profiles of datasets configs name that are not files at hand: the demo datasets LLaMA-Factory ships in its
/// data/ folder (alpaca_en_demo, identity, ...), measured from their files at a pinned commit
/// (Catalogs/Data/datasets.json, scripts/datasets/extract-dataset-lengths.py). The full Alpaca data under the names
/// frameworks give it (tatsu-lab/alpaca, yahma/alpaca-cleaned, torchtune's alpaca_cleaned_dataset) has the 1,000-example
/// sample's body and the longest example LitGPT's resource tables publish for it (1,304 tokens).
/// </summary>
public sealed class KnownDatasets
{
    private readonly Dictionary<string, (LengthProfile Lengths, long Examples)> _byName = new(StringComparer.OrdinalIgnoreCase);

    public static KnownDatasets Default { get; } = Load();

    public string Source { get; private init; } = "";

    /// <summary>The lengths of one named dataset, or of a mixture (LLaMA-Factory's <c>dataset: a,b</c>, axolotl's list),
    /// weighted by their examples; null when any name is unknown (a mixture with unknown parts has unknown lengths).</summary>
    public LengthProfile? Lengths(IReadOnlyCollection<string> names)
    {
        var parts = new List<(LengthProfile Lengths, long Examples)>();
        foreach (var name in names)
        {
            if (!_byName.TryGetValue(name.Trim(), out var known))
                return null;
            parts.Add(known);
        }
        return parts.Count == 0 ? null : LengthProfile.Mix(parts, $"{string.Join(", ", names)} (lengths from {Source})");
    }

    private static KnownDatasets Load()
    {
        using var stream = Assembly.GetExecutingAssembly().GetManifestResourceStream("LspFineTune.Catalogs.datasets.json")
            ?? throw new InvalidOperationException("datasets.json is not embedded");
        using var document = JsonDocument.Parse(stream);
        var source = document.RootElement.GetProperty("source").GetString() ?? "";
        var known = new KnownDatasets { Source = source.Split(';')[0] };
        foreach (var entry in document.RootElement.GetProperty("datasets").EnumerateArray())
        {
            var quantiles = entry.GetProperty("quantiles").EnumerateArray().Select(q => q.GetDouble()).ToArray();
            var profile = new LengthProfile { Quantiles = quantiles, Source = entry.GetProperty("file").GetString() ?? "" };
            var examples = entry.GetProperty("examples").GetInt64();
            foreach (var name in entry.GetProperty("names").EnumerateArray())
                known._byName[name.GetString()!] = (profile, examples);
        }
        return known;
    }
}
