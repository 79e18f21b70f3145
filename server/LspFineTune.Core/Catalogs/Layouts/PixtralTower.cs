namespace LspFineTune.Core.Catalogs.Layouts;

/// <summary>
/// The Pixtral vision encoder (transformers modeling_pixtral.py PixtralVisionModel), shared by LLaVA's Pixtral-12B
/// and Mistral 3: a bias-free patch_conv, ln_pre RMSNorm, blocks of attention_norm, bias-free q/k/v/o_proj, ffn_norm
/// and a SwiGLU feed_forward (gate/up/down_proj, no bias); 2-D RoPE, so no position table and no final norm.
/// </summary>
internal static class PixtralTower
{
    public static long Encoder(VisionTowerConfig v)
    {
        long h = v.HiddenSize, f = v.IntermediateSize;
        long block = 4 * h * h + 3 * h * f + 2 * LayoutParts.RmsNorm(v.HiddenSize);
        return (long)v.Channels * v.PatchSize * v.PatchSize * h + LayoutParts.RmsNorm(v.HiddenSize) + v.Layers * block;
    }

    /// <summary>Pixtral's vision_config is the one with 2-D RoPE (rope_theta); CLIP's has a learned position table instead.</summary>
    public static bool IsPixtral(VisionTowerConfig v) => v.Extra["rope_theta"] is not null;
}
