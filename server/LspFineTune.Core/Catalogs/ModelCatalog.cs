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
    private ModelStructure? _structure;

    /// <summary>The parameter layout, built on first use (immutable, so a racing second build is harmless).</summary>
    public ModelStructure Structure => _structure ??= ModelStructureBuilder.Build(Architecture);

    // Identity is the catalog id; the cached structure and list references must not affect equality.
    public bool Equals(CatalogModel? other) =>
        other is not null && string.Equals(Id, other.Id, StringComparison.Ordinal);

    public override int GetHashCode() => StringComparer.Ordinal.GetHashCode(Id);
}

/// <summary>
/// The bundled model catalog (<c>Catalogs/Data/models.json</c>, embedded as <c>LspFineTune.Catalogs.models.json</c>).
/// Lookup is case-insensitive on id, Hugging Face id (with or without the organisation) and aliases.
/// </summary>
public sealed class ModelCatalog
{
    public const string ResourceName = "LspFineTune.Catalogs.models.json";

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
                    throw new InvalidDataException($"models.json: the name '{name}' refers to both '{existing.Id}' and '{model.Id}'");
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

    /// <summary>Parses a catalog document; throws <see cref="InvalidDataException"/> naming the bad entry.</summary>
    public static ModelCatalog Load(string json)
    {
        using JsonDocument document = JsonDocument.Parse(json);
        if (!document.RootElement.TryGetProperty("models", out JsonElement models) || models.ValueKind != JsonValueKind.Array)
        {
            throw new InvalidDataException("models.json: expected { \"models\": [ ... ] }");
        }

        var list = new List<CatalogModel>();
        foreach (JsonElement entry in models.EnumerateArray())
        {
            list.Add(ParseModel(entry, list.Count));
        }

        return new ModelCatalog(list);
    }

    private static ModelCatalog LoadEmbedded()
    {
        using Stream stream = typeof(ModelCatalog).Assembly.GetManifestResourceStream(ResourceName)
            ?? throw new InvalidOperationException($"embedded resource {ResourceName} is missing");
        using var reader = new StreamReader(stream);
        return Load(reader.ReadToEnd());
    }

    private static CatalogModel ParseModel(JsonElement entry, int index)
    {
        string id = RequiredString(entry, "id", $"models[{index}]");
        string where = $"models.json '{id}'";
        string hfId = RequiredString(entry, "hf_id", where);
        string source = RequiredString(entry, "published_parameters_source", where);

        if (!entry.TryGetProperty("published_parameters", out JsonElement published) || !published.TryGetInt64(out long parameters))
        {
            throw new InvalidDataException($"{where}: published_parameters must be an integer");
        }

        var aliases = new List<string>();
        if (entry.TryGetProperty("aliases", out JsonElement aliasArray))
        {
            foreach (JsonElement alias in aliasArray.EnumerateArray())
            {
                aliases.Add(alias.GetString() ?? throw new InvalidDataException($"{where}: aliases must be strings"));
            }
        }

        if (!entry.TryGetProperty("architecture", out JsonElement architectureElement))
        {
            throw new InvalidDataException($"{where}: missing architecture");
        }

        HuggingFaceConfigResult architecture = HuggingFaceConfigReader.Read(architectureElement);
        if (!architecture.Success)
        {
            throw new InvalidDataException($"{where}: {string.Join("; ", architecture.Errors)}");
        }

        return new CatalogModel(id, hfId, aliases, architecture.Architecture!, parameters, source);
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
