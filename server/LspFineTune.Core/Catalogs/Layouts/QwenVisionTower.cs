namespace LspFineTune.Core.Catalogs.Layouts;

/// <summary>
/// The vision towers of Qwen's vision-language models (transformers modeling_qwen2_vl.py, modeling_qwen2_5_vl.py,
/// modeling_qwen3_vl.py): a Conv3d patch embedding over temporal_patch_size x patch_size^2 x in_channels, ViT blocks
/// with a fused <c>attn.qkv</c> and <c>attn.proj</c> (both biased), and a merger that concatenates
/// spatial_merge_size^2 neighbouring patches (4 x width) and maps them through Linear(4w, 4w), GELU,
/// Linear(4w, out) into the text width. The generic ViT counts no merger and has the wrong MLP for Qwen2.5,
/// so each generation gets its builder here (registered in <see cref="ModelLayouts"/>).
/// </summary>
internal static class QwenVisionTower
{
    /// <summary>
    /// Qwen2-VL: LayerNorm blocks, mlp.fc1/fc2 of embed_dim x mlp_ratio, a bias-free patch Conv3d, merger ln_q LayerNorm.
    /// Its vision_config names the ViT width embed_dim and uses hidden_size for the merger's output (the text width).
    /// </summary>
    public static long Qwen2Vl(VisionTowerConfig v, ModelArchitecture text)
    {
        int width = v.Extra.Int("embed_dim") is > 0 and var embed ? embed : v.HiddenSize;
        int ffn = v.Extra["mlp_ratio"] is > 0 and var ratio ? (int)(width * ratio) : v.IntermediateSize;
        long block = 2 * LayoutParts.LayerNorm(width) + Attention(width) + Linear(width, ffn) + Linear(ffn, width);
        return Patch(v, width, bias: false) + v.Layers * block + LayoutParts.LayerNorm(width) + MergerLinears(v, width);
    }

    /// <summary>Qwen2.5-VL: RMSNorm blocks with a biased gated mlp (gate_proj, up_proj, down_proj), merger ln_q RMSNorm.</summary>
    public static long Qwen25Vl(VisionTowerConfig v, ModelArchitecture text)
    {
        int width = v.HiddenSize, ffn = v.IntermediateSize;
        long block = 2 * LayoutParts.RmsNorm(width) + Attention(width) + 2 * Linear(width, ffn) + Linear(ffn, width);
        return Patch(v, width, bias: false) + v.Layers * block + LayoutParts.RmsNorm(width) + MergerLinears(v, width);
    }

    /// <summary>
    /// Qwen3-VL (and its MoE sibling): a biased patch Conv3d, a learned pos_embed table of num_position_embeddings
    /// rows, LayerNorm blocks with mlp.linear_fc1/linear_fc2, the merger (LayerNorm over the width before merging) and
    /// one DeepStack merger per vision_config.deepstack_visual_indexes entry (LayerNorm over the merged 4 x width).
    /// </summary>
    public static long Qwen3Vl(VisionTowerConfig v, ModelArchitecture text)
    {
        int width = v.HiddenSize, ffn = v.IntermediateSize;
        long block = 2 * LayoutParts.LayerNorm(width) + Attention(width) + Linear(width, ffn) + Linear(ffn, width);
        long positions = (long)(v.PositionEmbeddings ?? 0) * width;
        long merged = (long)width * v.SpatialMergeSize * v.SpatialMergeSize;
        long deepstack = (v.Extra.Int("deepstack_visual_indexes.count") ?? 0) * (LayoutParts.LayerNorm((int)merged) + MergerLinears(v, width));
        return Patch(v, width, bias: true) + positions + v.Layers * block + LayoutParts.LayerNorm(width) + MergerLinears(v, width) + deepstack;
    }

    private static long Linear(long inFeatures, long outFeatures) => inFeatures * outFeatures + outFeatures;

    /// <summary>attn.qkv (w -> 3w) and attn.proj (w -> w), both with bias.</summary>
    private static long Attention(int width) => Linear(width, 3L * width) + Linear(width, width);

    private static long Patch(VisionTowerConfig v, int width, bool bias) =>
        (long)v.Channels * v.TemporalPatchSize * v.PatchSize * v.PatchSize * width + (bias ? width : 0);

    /// <summary>The merger's two linears: 4w -> 4w and 4w -> the text width.</summary>
    private static long MergerLinears(VisionTowerConfig v, int width)
    {
        long merged = (long)width * v.SpatialMergeSize * v.SpatialMergeSize;
        return Linear(merged, merged) + Linear(merged, v.OutputSize);
    }
}
