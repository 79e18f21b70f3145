namespace LspFineTune.Core.Catalogs.Layouts;

/// <summary>
/// The layout builders, by the name a family file's <c>layout</c> gives, and the vision tower builders, by
/// <c>layout_options.vision_tower</c>. A family with a new module layout adds one builder file and one line here;
/// every other fact about it lives in its family file.
/// </summary>
public static class ModelLayouts
{
    private static readonly Dictionary<string, Func<ModelArchitecture, ModelStructure>> Builders = new(StringComparer.Ordinal)
    {
        ["decoder"] = DecoderLayout.Build,
        ["phi"] = PhiLayout.Build,
        ["phi3"] = Phi3Layout.Build,
        ["gpt2"] = Gpt2Layout.Build,
        ["gpt_neox"] = GptNeoXLayout.Build,
        ["falcon"] = FalconLayout.Build,
        ["opt"] = OptLayout.Build,
        ["stablelm"] = StableLmLayout.Build,
        ["starcoder2"] = Starcoder2Layout.Build,
    };

    private static readonly Dictionary<string, Func<VisionTowerConfig, ModelArchitecture, long>> Towers = new(StringComparer.Ordinal)
    {
        ["vit"] = VitTower.Build,
        ["siglip"] = VitTower.Build,
    };

    public static bool IsLayout(string name) => Builders.ContainsKey(name);

    public static bool IsVisionTower(string name) => Towers.ContainsKey(name);

    public static IReadOnlyCollection<string> Names => Builders.Keys;

    /// <summary>Builds <paramref name="a"/> with its layout; an unknown layout name is a data error.</summary>
    public static ModelStructure Build(ModelArchitecture a) =>
        Builders.TryGetValue(a.Layout, out var build)
            ? build(a)
            : throw new ArgumentException($"unknown layout '{a.Layout}' (known: {string.Join(", ", Builders.Keys)})", nameof(a));

    /// <summary>Parameters of a vision tower and its projector.</summary>
    public static long VisionTower(VisionTowerConfig vision, ModelArchitecture text) =>
        Towers.TryGetValue(vision.Tower, out var build)
            ? build(vision, text)
            : throw new ArgumentException($"unknown vision tower '{vision.Tower}' (known: {string.Join(", ", Towers.Keys)})", nameof(vision));
}
