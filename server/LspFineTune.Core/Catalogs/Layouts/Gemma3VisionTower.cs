namespace LspFineTune.Core.Catalogs.Layouts;

/// <summary>
/// Gemma 3's image path (transformers modeling_gemma3.py): a SigLIP tower without its pooling head (vision_use_head
/// false; see <see cref="VitTower"/>), then Gemma3MultiModalProjector, which average-pools the patches to
/// mm_tokens_per_image, normalises them with mm_soft_emb_norm (an RMSNorm of the tower's width) and maps them with
/// mm_input_projection_weight (tower width x text hidden_size, no bias).
/// </summary>
internal static class Gemma3VisionTower
{
    public static long Build(VisionTowerConfig v, ModelArchitecture text) =>
        VitTower.Build(v, text) + LayoutParts.RmsNorm(v.HiddenSize) + (long)v.HiddenSize * text.HiddenSize;
}
