namespace LspFineTune.Core.Catalogs.Layouts;

/// <summary>
/// Mistral 3's vision side (transformers modeling_mistral3.py): the Pixtral encoder (<see cref="PixtralTower"/>) and
/// the multi_modal_projector: norm (RMSNorm of the vision width), patch_merger.merging_layer (spatial_merge_size^2
/// patches of the vision width -> the vision width, no bias), linear_1 (vision -> text hidden) and linear_2 (text ->
/// text hidden), biased only when multimodal_projector_bias (false by default).
/// </summary>
internal static class Mistral3Tower
{
    public static long Build(VisionTowerConfig v, ModelArchitecture text)
    {
        long h = v.HiddenSize, t = text.HiddenSize;
        int merge = text.Extra.Int("spatial_merge_size") ?? v.SpatialMergeSize;
        bool bias = (text.Extra["multimodal_projector_bias"] ?? 0) != 0;
        long projector = LayoutParts.RmsNorm(v.HiddenSize) + (long)merge * merge * h * h + h * t + t * t + (bias ? 2 * t : 0);
        return PixtralTower.Encoder(v) + projector;
    }
}
