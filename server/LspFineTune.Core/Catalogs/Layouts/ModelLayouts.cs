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
        ["qwen"] = QwenLayout.Build,
        ["qwen3_5"] = Qwen3_5Layout.Build,
        ["qwen3_next"] = Qwen3_5Layout.BuildQwen3Next,
        ["falcon_h1"] = FalconH1Layout.Build,
        ["nemotron_h"] = NemotronHLayout.Build,
        ["jamba"] = JambaLayout.Build,
        ["mamba"] = MambaLayout.Build,
        ["lfm2"] = Lfm2Layout.Build,
        ["kimi_linear"] = KimiLinearLayout.Build,
        ["mllama"] = MllamaLayout.Build,
        ["llama4"] = Llama4Layout.Build,
        ["gptj"] = GptJLayout.Build,
        ["mpt"] = MptLayout.Build,
        ["gpt_oss"] = GptOssLayout.Build,
        ["gemma4"] = Gemma4Layout.Build,
        ["gemma4_unified"] = Gemma4UnifiedLayout.Build,
        ["mimo"] = MimoLayout.Build,
        ["voxtral"] = VoxtralLayout.Build,
        ["glm4v"] = Glm4vLayout.Build,
    };

    /// <summary>Layouts without attention in any block (pure state-space models): config.json has no attention heads.</summary>
    private static readonly HashSet<string> AttentionFreeLayouts = new(StringComparer.Ordinal) { "mamba" };

    private static readonly Dictionary<string, Func<VisionTowerConfig, ModelArchitecture, long>> Towers = new(StringComparer.Ordinal)
    {
        ["vit"] = VitTower.Build,
        ["siglip"] = VitTower.Build,
        ["qwen2_vl"] = QwenVisionTower.Qwen2Vl,
        ["qwen2_5_vl"] = QwenVisionTower.Qwen25Vl,
        ["qwen3_vl"] = QwenVisionTower.Qwen3Vl,
        ["lfm2_vl"] = Lfm2VlVisionTower.Build,
        ["mllama"] = MllamaLayout.VisionTower,
        ["llama4"] = Llama4Layout.VisionTower,
        ["llava"] = LlavaTower.Build,
        ["mistral3"] = Mistral3Tower.Build,
        ["smolvlm"] = SmolVlmTower.Build,
        ["gemma3"] = Gemma3VisionTower.Build,
        ["gemma4"] = Gemma4VisionTower.Build,
        ["glm4v"] = Glm4vLayout.VisionTower,
    };

    public static bool IsLayout(string name) => Builders.ContainsKey(name);

    public static bool IsVisionTower(string name) => Towers.ContainsKey(name);

    /// <summary>Whether no block of <paramref name="layout"/> attends (its config.json names no attention heads).</summary>
    public static bool IsAttentionFree(string layout) => AttentionFreeLayouts.Contains(layout);

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
