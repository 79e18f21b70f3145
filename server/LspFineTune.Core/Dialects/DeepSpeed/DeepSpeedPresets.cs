using System.Text.Json.Nodes;

namespace LspFineTune.Core.Dialects.DeepSpeed;

/// <summary>
/// A DeepSpeed preset a framework ships: its path in that framework's repository and its facts as JSON, parsed once
/// (a config that names a preset is analysed on every keystroke; the tree is immutable and shared).
/// </summary>
public sealed record DeepSpeedPreset(string Name, string Framework, string Upstream, string Json)
{
    private readonly Lazy<Syntax.ConfigSyntaxTree> _tree = new(() => Syntax.ConfigParser.Parse(Json, Syntax.DocumentFormat.Json));

    public Syntax.ConfigSyntaxTree Tree => _tree.Value;

    public DeepSpeedSettings Settings => DeepSpeedSettings.Read(Tree.RootMapping!);
}

/// <summary>
/// The DeepSpeed presets axolotl (<c>deepspeed_configs/*.json</c>) and LLaMA-Factory (<c>examples/deepspeed/*.json</c>)
/// ship, so a config that names one is estimated when the file is not at hand (axolotl fetches them with
/// <c>axolotl fetch deepspeed_configs</c>). Facts extracted by <c>scripts/dialects/extract-deepspeed-presets.py</c>.
/// </summary>
public static class DeepSpeedPresets
{
    private static readonly Lazy<IReadOnlyList<DeepSpeedPreset>> Loaded = new(Load);

    public static IReadOnlyList<DeepSpeedPreset> All => Loaded.Value;

    /// <summary>The preset a path names: its repository path is a suffix of the path (<c>./deepspeed_configs/zero2.json</c>).</summary>
    public static DeepSpeedPreset? Find(string path)
    {
        var normalized = "/" + path.Replace('\\', '/').TrimStart('.', '/');
        return All.FirstOrDefault(p => normalized.EndsWith("/" + p.Name, StringComparison.OrdinalIgnoreCase));
    }

    /// <summary>A framework's preset with this ZeRO stage and offload, preferring bf16 variants (axolotl's zero3_bf16.json).</summary>
    public static DeepSpeedPreset? For(string framework, int stage, Planning.OffloadTarget optimizer, Planning.OffloadTarget parameters)
    {
        return All.Where(p => p.Framework == framework)
            .Where(p => p.Settings is var facts && facts.Stage.Value == stage && facts.OffloadOptimizer == optimizer && facts.OffloadParams == parameters)
            .OrderBy(p => p.Name.Contains("torch_compile", StringComparison.Ordinal) || p.Name.Contains("autotp", StringComparison.Ordinal) || p.Name.Contains("fp8", StringComparison.Ordinal) ? 1 : 0)
            .ThenBy(p => p.Name.Contains("bf16", StringComparison.Ordinal) ? 0 : 1)
            .ThenBy(p => p.Name, StringComparer.Ordinal)
            .FirstOrDefault();
    }

    /// <summary>How to get a framework's preset before launching, for the message that one was used by name.</summary>
    public static string FetchHint(string framework) => framework switch
    {
        "llamafactory" => "Launch from a LLaMA-Factory checkout (the path is relative to the launch directory), or copy the file from its examples/deepspeed/.",
        _ => "Fetch it before launching (axolotl: `axolotl fetch deepspeed_configs`).",
    };

    private static IReadOnlyList<DeepSpeedPreset> Load()
    {
        using var stream = typeof(DeepSpeedPresets).Assembly.GetManifestResourceStream("LspFineTune.Dialects.deepspeed-presets.json")
            ?? throw new InvalidOperationException("The embedded DeepSpeed presets are missing.");
        var presets = JsonNode.Parse(stream)!["presets"]!.AsObject();
        return presets.Select(p =>
        {
            var facts = p.Value!.AsObject().DeepClone().AsObject();
            var framework = facts["framework"]!.GetValue<string>();
            var upstream = facts["upstream"]!.GetValue<string>();
            facts.Remove("framework");
            facts.Remove("upstream");
            return new DeepSpeedPreset(p.Key, framework, upstream, facts.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true }));
        }).ToList();
    }
}
