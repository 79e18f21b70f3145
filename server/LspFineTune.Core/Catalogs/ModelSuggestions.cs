using System.Globalization;
using LspFineTune.Core.Text;

namespace LspFineTune.Core.Catalogs;

/// <summary>A did-you-mean candidate: a catalog model of the same family, or (labelled) of another generation of its line.</summary>
/// <param name="SameFamily">False: another generation (Qwen2.5 for Qwen3): an architecture of its own, never offered as a fix.</param>
public sealed record ModelSuggestion(CatalogModel Model, bool SameFamily);

/// <summary>
/// Family-aware "did you mean" for a model id the catalog does not know. A family is a generation of a line (qwen3,
/// qwen2.5, llama3.2, gemma2, mistral, phi3), read from the catalog id by <see cref="ModelNameParts"/>; a misspelt
/// line ("Lama-3.2", "Mistrall") counts as the family it is one or two edits from, but only with the same generation,
/// so Qwen3.5 never becomes Qwen2.5. Same family and size first (Mistral-7B-v0.l → mistral-7b-v0.1), then the
/// family's other sizes by nearness (Qwen3-8B without qwen3-8b → qwen3-4b), and never another family while the family
/// has a model. Only when it has none: the same size of another generation of the line, marked not the same family.
/// </summary>
public static class ModelSuggestions
{
    public static IReadOnlyList<ModelSuggestion> For(ModelCatalog catalog, string unknown, int max = 3)
    {
        if (string.IsNullOrWhiteSpace(unknown) || max <= 0)
            return [];
        var wanted = ModelNameParts.Parse(unknown);
        if (wanted.Family.Length < 2)
            return [];
        var entries = catalog.All.Select(model => (Model: model, Parts: PartsOf(model))).ToList();

        var family = entries.Where(e => e.Parts.Family == wanted.Family || Normalised(e.Model.Family) == wanted.Family).ToList();
        if (family.Count == 0)
        {
            // A misspelt line of the same generation, one edit away ("Lama-3.2", "Mistrall"), and only at the same size:
            // Pixtral-12B and MPT-7B are one letter from Mixtral and OPT, but no typo of them.
            var nearest = entries
                .Where(e => e.Parts.Generation == wanted.Generation && e.Parts.Size == wanted.Size
                    && EditDistance.AtMost(e.Parts.Line, wanted.Line, 1) <= 1)
                .Select(e => e.Parts.Family)
                .Order(StringComparer.Ordinal)
                .FirstOrDefault();
            if (nearest is not null)
                family = entries.Where(e => e.Parts.Family == nearest && e.Parts.Size == wanted.Size).ToList();
        }
        if (family.Count > 0)
        {
            // Another size only of the same kind: Llama-3.2-11B-Vision is no larger Llama-3.2-3B.
            var baseName = ModelIdentity.Parse(unknown).BaseName.ToLowerInvariant();
            return family
                .Where(e => e.Parts.Size == wanted.Size || e.Parts.Rest == wanted.Rest && SizeDistance(e.Parts.Size, wanted.Size) <= MaxOtherSize)
                .OrderBy(e => e.Parts.Size == wanted.Size ? 0 : 1)
                .ThenBy(e => SizeDistance(e.Parts.Size, wanted.Size))
                .ThenBy(e => e.Parts.Rest == wanted.Rest ? 0 : 1)
                .ThenBy(e => EditDistance.Between(e.Model.Id, baseName))
                .ThenBy(e => e.Model.Id, StringComparer.Ordinal)
                .Take(max)
                .Select(e => new ModelSuggestion(e.Model, SameFamily: true))
                .ToList();
        }

        // No model of the family at all: another generation of the line, same size only, labelled as such.
        return entries
            .Where(e => e.Parts.Line == wanted.Line && wanted.Size is not null && e.Parts.Size == wanted.Size)
            .OrderByDescending(e => e.Parts.Generation, StringComparer.Ordinal)
            .ThenBy(e => e.Model.Id, StringComparer.Ordinal)
            .Take(max)
            .Select(e => new ModelSuggestion(e.Model, SameFamily: false))
            .ToList();
    }

    /// <summary>The family and size of a catalog entry, read from its catalog id (lower-case, family-size[-variant]), which
    /// every entry has; the data's product family (<see cref="CatalogModel.Family"/>: "llama-3.1", "qwen2.5") also counts.</summary>
    public static ModelNameParts PartsOf(CatalogModel model) => ModelNameParts.Parse(model.Id);

    /// <summary>"llama-3.1" as a parsed family reads it ("llama3.1"): lower-case, no separators.</summary>
    private static string Normalised(string family) => family.ToLowerInvariant().Replace("-", "", StringComparison.Ordinal).Replace("_", "", StringComparison.Ordinal);

    /// <summary>Another size of the family is offered only within 4x (Qwen3-8B: 4B to 32B): Gemma 4's on-device E2B is no
    /// smaller Gemma-4-12B.</summary>
    private static readonly double MaxOtherSize = Math.Log(4) + 1e-9;

    /// <summary>How far two sizes are apart, on a log scale (8B is nearer 4B than 32B); unknown sizes sort last.</summary>
    private static double SizeDistance(string? a, string? b)
    {
        if (Billions(a) is not { } x || Billions(b) is not { } y)
            return double.MaxValue;
        return Math.Abs(Math.Log(x / y));
    }

    private static double? Billions(string? size)
    {
        if (size is null)
            return null;
        // The total of "30b-a3b", the expert size of "8x7b", the effective size of Gemma's "e2b".
        var first = size.Split('-')[0].TrimStart('e');
        var x = first.IndexOf('x');
        if (x > 0)
            first = first[(x + 1)..];
        if (first.Length < 2 || !double.TryParse(first[..^1], NumberStyles.Float, CultureInfo.InvariantCulture, out var value) || value <= 0)
            return null;
        return first[^1] switch { 'b' => value, 'm' => value / 1000, _ => null };
    }
}
