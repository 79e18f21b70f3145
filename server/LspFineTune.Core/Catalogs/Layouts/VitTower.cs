namespace LspFineTune.Core.Catalogs.Layouts;

/// <summary>
/// A ViT vision tower in the SigLIP/CLIP shape (transformers modeling_siglip.py): a patch convolution with bias
/// (channels x patch^2 x temporal x h + h), a learned position table (one row per patch of image_size, or
/// num_position_embeddings rows), blocks of biased q/k/v/out and fc1/fc2 with two LayerNorms, a final LayerNorm.
/// A family whose tower or projector differs registers its own builder in <see cref="ModelLayouts"/>; this one counts
/// no projector.
/// </summary>
internal static class VitTower
{
    public static long Build(VisionTowerConfig v, ModelArchitecture text)
    {
        long h = v.HiddenSize, f = v.IntermediateSize;
        var block = 4 * (h * h + h) + (h * f + f) + (f * h + h) + 2 * LayoutParts.LayerNorm(v.HiddenSize);
        var patch = (long)v.Channels * v.PatchSize * v.PatchSize * v.TemporalPatchSize * h + h;
        long positions = v.PositionEmbeddings ?? (v.ImageSize is { } size ? (long)(size / v.PatchSize) * (size / v.PatchSize) : 0);
        return v.Layers * block + patch + positions * h + LayoutParts.LayerNorm(v.HiddenSize);
    }
}
