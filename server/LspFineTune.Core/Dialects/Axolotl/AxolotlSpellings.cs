using LspFineTune.Core.Planning;

namespace LspFineTune.Core.Dialects.Axolotl;

/// <summary>axolotl's own spellings beside transformers' (<see cref="HuggingFace.TransformersSpellings"/>): the legacy
/// attention flags (axolotl@067b021 <c>utils/config/__init__.py</c>).</summary>
public static class AxolotlSpellings
{
    /// <summary>The legacy boolean attention flags axolotl maps to <c>attn_implementation</c> (config.py 1527).</summary>
    public static readonly IReadOnlyList<(string Key, AttentionKind Kind)> LegacyAttentionFlags =
    [
        ("flash_attention", AttentionKind.Flash),
        ("sdp_attention", AttentionKind.Sdpa),
        ("xformers_attention", AttentionKind.Sdpa),
        ("flex_attention", AttentionKind.Sdpa),
        ("sage_attention", AttentionKind.Sdpa),
        ("eager_attention", AttentionKind.Eager),
    ];
}
