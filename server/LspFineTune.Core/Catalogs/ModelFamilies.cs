namespace LspFineTune.Core.Catalogs;

/// <summary>
/// The family files embedded as <c>LspFineTune.Catalogs.Families.*.json</c>, by config.json model_type and by
/// architecture class name. The config reader asks it how to read a model_type; the catalog reads its models.
/// </summary>
public sealed class ModelFamilies
{
    public const string ResourcePrefix = "LspFineTune.Catalogs.Families.";

    private static readonly Lazy<ModelFamilies> DefaultFamilies = new(LoadEmbedded);

    private readonly Dictionary<string, ModelFamily> _byModelType = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ModelFamily> _byClass = new(StringComparer.Ordinal);

    public ModelFamilies(IEnumerable<ModelFamily> families)
    {
        All = [.. families];
        foreach (var family in All)
        {
            foreach (var type in family.ModelTypes)
            {
                if (_byModelType.TryGetValue(type, out var other))
                    throw new InvalidDataException($"model_type '{type}' is declared by both family '{other.Name}' and '{family.Name}'; a model_type belongs to one family file");
                _byModelType[type] = family;
            }
            foreach (var name in family.ArchitectureClasses)
                _byClass.TryAdd(name, family);
        }
    }

    public static ModelFamilies Default => DefaultFamilies.Value;

    public IReadOnlyList<ModelFamily> All { get; }

    /// <summary>Every model_type with a family file, sorted (for messages and documentation).</summary>
    public IReadOnlyList<string> ModelTypes => [.. _byModelType.Keys.Order(StringComparer.Ordinal)];

    public ModelFamily? ForModelType(string modelType) =>
        _byModelType.GetValueOrDefault(ModelStructureBuilder.NormalizeFamily(modelType));

    public ModelFamily? ForArchitectureClass(string className) => _byClass.GetValueOrDefault(className);

    private static ModelFamilies LoadEmbedded()
    {
        var assembly = typeof(ModelFamilies).Assembly;
        var families = new List<ModelFamily>();
        foreach (var resource in assembly.GetManifestResourceNames().Where(n => n.StartsWith(ResourcePrefix, StringComparison.Ordinal)).Order(StringComparer.Ordinal))
        {
            using var stream = assembly.GetManifestResourceStream(resource)!;
            using var reader = new StreamReader(stream);
            families.Add(ModelFamily.Parse(resource[ResourcePrefix.Length..], reader.ReadToEnd()));
        }
        if (families.Count == 0)
            throw new InvalidOperationException($"no embedded family files ({ResourcePrefix}*.json)");
        return new ModelFamilies(families);
    }
}
