using LspFineTune.Core.Text;
using System.Text.Json;

namespace LspFineTune.Core.Catalogs;

/// <summary>
/// One catalog model: its Hugging Face architecture and the parameter count its authors publish
/// (the figure the structure is checked against).
/// </summary>
public sealed record CatalogModel(
    string Id,
    string HfId,
    IReadOnlyList<string> Aliases,
    ModelArchitecture Architecture,
    long PublishedParameters,
    string PublishedParametersSource)
{
    /// <summary>The product family did-you-mean groups by (qwen3, llama-3.1, gemma-3).</summary>
    public string Family { get; init; } = "";

    /// <summary>Published activated parameters per token of a mixture-of-experts model; null for dense models.</summary>
    public long? PublishedActiveParameters { get; init; }

    /// <summary>
    /// What the published active figure counts: "all" (every parameter a token touches, embeddings and head included:
    /// Mixtral's 12.9B), "no_input_embedding" (DeepSeek's 2.4B, 37B) or "non_embedding" (neither embedding nor head).
    /// </summary>
    public string ActiveParametersBasis { get; init; } = "all";

    /// <summary>Where the config.json values come from (the hub repository file).</summary>
    public string ConfigSource { get; init; } = "";

    private ModelStructure? _structure;

    /// <summary>The parameter layout, built on first use (immutable, so a racing second build is harmless).</summary>
    public ModelStructure Structure => _structure ??= ModelStructureBuilder.Build(Architecture);

    // Identity is the catalog id; the cached structure and list references must not affect equality.
    public bool Equals(CatalogModel? other) =>
        other is not null && string.Equals(Id, other.Id, StringComparison.Ordinal);

    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Id);
}

/// <summary>
/// The bundled model catalog: the models of every family file (<c>Catalogs/Data/Families/*.json</c>, see <see cref="ModelFamilies"/>).
/// Lookup is case-insensitive on id, Hugging Face id (with or without the organisation) and aliases.
/// </summary>
public sealed class ModelCatalog
{
    private static readonly Lazy<ModelCatalog> DefaultCatalog = new(LoadEmbedded);

    private readonly Dictionary<string, CatalogModel> _byName;

    private ModelCatalog(IReadOnlyList<CatalogModel> models)
    {
        All = models;
        _byName = new Dictionary<string, CatalogModel>(StringComparer.OrdinalIgnoreCase);
        foreach (CatalogModel model in models)
        {
            foreach (string name in NamesOf(model))
            {
                if (_byName.TryGetValue(name, out CatalogModel? existing) && existing.Id != model.Id)
                {
                    throw new InvalidDataException($"the catalog name '{name}' refers to both '{existing.Id}' and '{model.Id}'");
                }

                _byName[name] = model;
            }
        }
    }

    /// <summary>The embedded catalog; loaded once.</summary>
    public static ModelCatalog Default => DefaultCatalog.Value;

    public IReadOnlyList<CatalogModel> All { get; }

    /// <summary>The model with this id, Hugging Face id (or its part after the slash) or alias; null if none.</summary>
    public CatalogModel? Find(string idOrAlias)
    {
        if (string.IsNullOrWhiteSpace(idOrAlias))
        {
            return null;
        }

        string name = idOrAlias.Trim();
        if (_byName.TryGetValue(name, out CatalogModel? model))
        {
            return model;
        }

        // "someone/Llama-2-7b-hf" style ids of re-uploads: fall back to the part after the last slash.
        int slash = name.LastIndexOf('/');
        return slash >= 0 && slash < name.Length - 1 && _byName.TryGetValue(name[(slash + 1)..], out model) ? model : null;
    }

    /// <summary>
    /// Catalog ids for a "did you mean" on <paramref name="unknown"/>: models of its family, same size first, never another
    /// family (<see cref="ModelSuggestions"/>). Names too far from any family to be a typo get none.
    /// </summary>
    public IReadOnlyList<string> Suggest(string unknown, int max = 3) =>
        ModelSuggestions.For(this, unknown, max).Where(s => s.SameFamily).Select(s => s.Model.Id).ToList();

    /// <summary>A catalog of the given models (tests of name resolution and did-you-mean, independent of the bundled data).</summary>
    public static ModelCatalog Of(IReadOnlyList<CatalogModel> models) => new(models);

    /// <summary>The catalog of the given family files; throws <see cref="InvalidDataException"/> naming the bad entry.</summary>
    public static ModelCatalog Load(ModelFamilies families)
    {
        var list = new List<CatalogModel>();
        foreach (ModelFamily family in families.All)
        {
            if (family.Models.ValueKind != JsonValueKind.Array)
            {
                continue;
            }

            foreach (JsonElement entry in family.Models.EnumerateArray())
            {
                list.Add(ParseModel(family, entry, list.Count));
            }
        }

        return new ModelCatalog(list);
    }

    private static ModelCatalog LoadEmbedded() => Load(ModelFamilies.Default);

    private static CatalogModel ParseModel(ModelFamily family, JsonElement entry, int index)
    {
        string id = RequiredString(entry, "id", $"family {family.Name} models[{index}]");
        string where = $"family {family.Name} model '{id}'";
        string hfId = RequiredString(entry, "hf_id", where);
        string source = RequiredString(entry, "published_parameters_source", where);

        if (!entry.TryGetProperty("published_parameters", out JsonElement published) || !published.TryGetInt64(out long parameters))
        {
            throw new InvalidDataException($"{where}: published_parameters must be an integer");
        }

        long? active = entry.TryGetProperty("active_parameters", out JsonElement activeElement) && activeElement.ValueKind == JsonValueKind.Number
            ? activeElement.GetInt64()
            : null;

        var aliases = new List<string>();
        if (entry.TryGetProperty("aliases", out JsonElement aliasArray))
        {
            foreach (JsonElement alias in aliasArray.EnumerateArray())
            {
                aliases.Add(alias.GetString() ?? throw new InvalidDataException($"{where}: aliases must be strings"));
            }
        }

        if (!entry.TryGetProperty("config", out JsonElement config))
        {
            throw new InvalidDataException($"{where}: missing config (the config.json keys that shape the model)");
        }

        HuggingFaceConfigResult architecture = HuggingFaceConfigReader.Read(config);
        if (!architecture.Success)
        {
            throw new InvalidDataException($"{where}: {string.Join("; ", architecture.Errors)}");
        }

        if (architecture.Warnings.Count > 0)
        {
            throw new InvalidDataException($"{where}: {string.Join("; ", architecture.Warnings)}");
        }

        string productFamily = entry.TryGetProperty("family", out JsonElement own) && own.GetString() is { Length: > 0 } name ? name : family.Name;
        return new CatalogModel(id, hfId, aliases, architecture.Architecture! with { Family = productFamily }, parameters, source)
        {
            Family = productFamily,
            PublishedActiveParameters = active,
            ActiveParametersBasis = entry.TryGetProperty("active_parameters_basis", out JsonElement basis) ? basis.GetString() switch
            {
                "all" => "all",
                "no_input_embedding" => "no_input_embedding",
                "non_embedding" => "non_embedding",
                var other => throw new InvalidDataException($"{where}: active_parameters_basis must be all, no_input_embedding or non_embedding, got '{other}'"),
            } : "all",
            ConfigSource = entry.TryGetProperty("config_source", out JsonElement configSource) ? configSource.GetString() ?? "" : "",
        };
    }

    private static string RequiredString(JsonElement entry, string key, string where) =>
        entry.TryGetProperty(key, out JsonElement value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text
            ? text
            : throw new InvalidDataException($"{where}: missing string '{key}'");

    /// <summary>Every spelling that finds <paramref name="model"/>: id, hf_id, aliases, and the part after a slash of each.</summary>
    private static IEnumerable<string> NamesOf(CatalogModel model)
    {
        foreach (string name in model.Aliases.Prepend(model.HfId).Prepend(model.Id))
        {
            yield return name;
            int slash = name.LastIndexOf('/');
            if (slash >= 0 && slash < name.Length - 1)
            {
                yield return name[(slash + 1)..];
            }
        }
    }

}
