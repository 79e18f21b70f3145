namespace LspFineTune.Core.Catalogs.Layouts;

/// <summary>
/// LFM2-VL's vision tower (modeling_lfm2_vl.py): a SigLIP2 NaFlex encoder (<see cref="VitTower"/>: a linear patch
/// embedding with bias, a learned table of vision_config num_patches positions, the encoder blocks and post_layernorm) and
/// the multi-modal projector: pixel unshuffle by downsample_factor, a LayerNorm over hidden x factor^2, linear_1 to
/// projector_hidden_size and linear_2 to the text width, with biases (projector_bias).
/// </summary>
internal static class Lfm2VlVisionTower
{
    public static long Build(VisionTowerConfig v, ModelArchitecture text)
    {
        var tower = VitTower.Build(v with { PositionEmbeddings = v.Extra.Int("num_patches") ?? v.PositionEmbeddings }, text);
        int factor = LayoutParts.Config(text, "downsample_factor");
        long unshuffled = (long)v.HiddenSize * factor * factor;
        long projector = LayoutParts.Config(text, "projector_hidden_size");
        bool bias = LayoutParts.Flag(text, "projector_bias");
        return tower + 2 * unshuffled + unshuffled * projector + projector * v.OutputSize + (bias ? projector + v.OutputSize : 0);
    }
}
