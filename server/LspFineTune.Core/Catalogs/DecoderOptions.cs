using System.Text.Json;

namespace LspFineTune.Core.Catalogs;

/// <summary>How a q/k normalisation is shaped: none, one head_dim weight shared by all heads (Qwen3, Gemma 3), or over all heads' width (OLMo 2).</summary>
public enum QkNormKind { None, Head, Width }

/// <summary>Which blocks a config.json <c>sliding_window</c> applies to when no <c>layer_types</c> list says.</summary>
public enum SlidingLayerRule { None, All, Alternate }

/// <summary>
/// The switches of the generic decoder layout that no config.json key carries: they are facts of a family's
/// modeling code (transformers <c>modeling_*.py</c>), written once in its family file's <c>layout_options</c>.
/// The defaults are Llama's.
/// </summary>
public sealed record DecoderOptions
{
    public static DecoderOptions Llama { get; } = new();

    /// <summary>
    /// rms (weight only, h) or layer (weight and bias, 2h). The generic decoder sizes its norms by it; for every layout
    /// it tells the estimator what a norm saves for backward.
    /// </summary>
    public string Norm { get; init; } = "rms";

    /// <summary>Norms per block: 2 (pre-attention, pre-MLP); Gemma 2/3 have 4 (pre and post each).</summary>
    public int NormsPerBlock { get; init; } = 2;

    public QkNormKind QkNorm { get; init; } = QkNormKind.None;

    /// <summary>Whether q/k/v carry a bias when config.json has no attention_bias (Qwen2 hard-codes one).</summary>
    public bool QkvBiasDefault { get; init; }

    /// <summary>Whether o_proj carries a bias when attention_bias is set (Llama: yes; Qwen2: never).</summary>
    public bool OutputBiasFollowsAttentionBias { get; init; } = true;

    /// <summary>The attention module's name in a block and its output projection's.</summary>
    public string AttentionParent { get; init; } = "self_attn";

    public string AttentionOutput { get; init; } = "o_proj";

    /// <summary>gated (SwiGLU/GeGLU: gate, up, down) or plain (up, down: squared-ReLU, xIELU, GeLU MLPs).</summary>
    public string Mlp { get; init; } = "gated";

    /// <summary>The MLP's linear names: gated [gate, up, down], plain [up, down].</summary>
    public IReadOnlyList<string> MlpNames { get; init; } = ["gate_proj", "up_proj", "down_proj"];

    public string MlpParent { get; init; } = "mlp";

    /// <summary>The MoE block's name (Mixtral: block_sparse_moe; most: mlp) and its expert linears' names.</summary>
    public string MoeParent { get; init; } = "mlp";

    public IReadOnlyList<string> ExpertNames { get; init; } = ["gate_proj", "up_proj", "down_proj"];

    public string Router { get; init; } = "gate";

    public bool RouterBias { get; init; }

    /// <summary>The always-on shared expert module (Qwen2-MoE: shared_expert; DeepSeek: shared_experts); null: none.</summary>
    public string? SharedExpert { get; init; }

    /// <summary>Qwen2-MoE's shared_expert_gate (h -> 1) that scales the shared expert.</summary>
    public bool SharedExpertGate { get; init; }

    public SlidingLayerRule SlidingLayers { get; init; } = SlidingLayerRule.None;

    public bool Equals(DecoderOptions? other) =>
        other is not null && Norm == other.Norm && NormsPerBlock == other.NormsPerBlock && QkNorm == other.QkNorm
        && QkvBiasDefault == other.QkvBiasDefault && OutputBiasFollowsAttentionBias == other.OutputBiasFollowsAttentionBias
        && AttentionParent == other.AttentionParent && AttentionOutput == other.AttentionOutput && Mlp == other.Mlp
        && MlpNames.SequenceEqual(other.MlpNames) && MlpParent == other.MlpParent && MoeParent == other.MoeParent
        && ExpertNames.SequenceEqual(other.ExpertNames) && Router == other.Router && RouterBias == other.RouterBias
        && SharedExpert == other.SharedExpert && SharedExpertGate == other.SharedExpertGate
        && SlidingLayers == other.SlidingLayers && VisionTower == other.VisionTower && BlockPrefixes.SequenceEqual(other.BlockPrefixes);

    public override int GetHashCode() => HashCode.Combine(Norm, NormsPerBlock, QkNorm, Mlp, MoeParent, VisionTower);

    /// <summary>
    /// Where the blocks sit in the model's full module names (<c>model.layers</c>; GPT-2 <c>transformer.h</c>; a
    /// vision-language model <c>model.language_model.layers</c>, older transformers <c>model.layers</c>), for PEFT
    /// target patterns matched against full names.
    /// </summary>
    public IReadOnlyList<string> BlockPrefixes { get; init; } = ["model.layers"];

    /// <summary>The vision tower builder for vision-language families (see <see cref="VisionTowerConfig.Tower"/>).</summary>
    public string VisionTower { get; init; } = "vit";

    /// <summary>
    /// Reads <c>layout_options</c>; an unknown key is an error, so a typo in a family file fails the build's tests
    /// instead of silently building Llama's layout.
    /// </summary>
    public static DecoderOptions Parse(JsonElement? options, string where)
    {
        var result = new DecoderOptions();
        if (options is not { ValueKind: JsonValueKind.Object } element)
            return result;
        foreach (var property in element.EnumerateObject())
        {
            var value = property.Value;
            result = property.Name switch
            {
                "norm" => result with { Norm = Text(value, where, property.Name, "rms", "layer") },
                "norms_per_block" => result with { NormsPerBlock = value.GetInt32() },
                "qk_norm" => result with { QkNorm = Text(value, where, property.Name, "none", "head", "width") switch { "head" => QkNormKind.Head, "width" => QkNormKind.Width, _ => QkNormKind.None } },
                "qkv_bias_default" => result with { QkvBiasDefault = value.GetBoolean() },
                "output_bias_follows_attention_bias" => result with { OutputBiasFollowsAttentionBias = value.GetBoolean() },
                "attention_parent" => result with { AttentionParent = value.GetString()! },
                "attention_output" => result with { AttentionOutput = value.GetString()! },
                "mlp" => result with { Mlp = Text(value, where, property.Name, "gated", "plain"), MlpNames = Text(value, where, property.Name, "gated", "plain") == "plain" && result.MlpNames.Count == 3 ? ["up_proj", "down_proj"] : result.MlpNames },
                "mlp_names" => result with { MlpNames = Names(value) },
                "mlp_parent" => result with { MlpParent = value.GetString()! },
                "moe_parent" => result with { MoeParent = value.GetString()! },
                "expert_names" => result with { ExpertNames = Names(value) },
                "router" => result with { Router = value.GetString()! },
                "router_bias" => result with { RouterBias = value.GetBoolean() },
                "shared_expert" => result with { SharedExpert = value.ValueKind == JsonValueKind.Null ? null : value.GetString() },
                "shared_expert_gate" => result with { SharedExpertGate = value.GetBoolean() },
                "sliding_layers" => result with { SlidingLayers = Text(value, where, property.Name, "none", "all", "alternate") switch { "all" => SlidingLayerRule.All, "alternate" => SlidingLayerRule.Alternate, _ => SlidingLayerRule.None } },
                "vision_tower" => result with { VisionTower = value.GetString()! },
                "block_prefixes" => result with { BlockPrefixes = Names(value) },
                _ => throw new InvalidDataException($"{where}: unknown layout_options key '{property.Name}'"),
            };
        }
        if (result.Mlp == "gated" ? result.MlpNames.Count != 3 : result.MlpNames.Count != 2)
            throw new InvalidDataException($"{where}: mlp_names must list {(result.Mlp == "gated" ? "gate, up and down" : "up and down")}");
        if (result.ExpertNames.Count != 3)
            throw new InvalidDataException($"{where}: expert_names must list gate, up and down");
        return result;
    }

    private static string Text(JsonElement value, string where, string key, params string[] allowed)
    {
        var text = value.ValueKind == JsonValueKind.String ? value.GetString()! : "";
        return allowed.Contains(text) ? text : throw new InvalidDataException($"{where}: layout_options.{key} must be one of {string.Join(", ", allowed)}");
    }

    private static IReadOnlyList<string> Names(JsonElement value) => [.. value.EnumerateArray().Select(item => item.GetString()!)];
}
