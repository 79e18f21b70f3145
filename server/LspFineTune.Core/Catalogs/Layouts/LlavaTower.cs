namespace LspFineTune.Core.Catalogs.Layouts;

/// <summary>
/// LLaVA's vision side (transformers modeling_llava.py): the vision tower its vision_config names, CLIP
/// (modeling_clip.py CLIPVisionTransformer: class_embedding, bias-free patch_embedding, a position table of one row
/// per patch plus the class token, pre_layrnorm, blocks with biased q/k/v/out_proj and fc1/fc2 and two LayerNorms,
/// post_layernorm) or Pixtral (<see cref="PixtralTower"/>), then the multi_modal_projector linear_1 (vision hidden ->
/// text hidden) and linear_2 (text hidden -> text hidden), biased unless multimodal_projector_bias is false.
/// </summary>
internal static class LlavaTower
{
    public static long Build(VisionTowerConfig v, ModelArchitecture text)
    {
        long tower = PixtralTower.IsPixtral(v) ? PixtralTower.Encoder(v) : Clip(v);
        long t = text.HiddenSize;
        bool bias = (text.Extra["multimodal_projector_bias"] ?? 1) != 0;
        long projector = v.HiddenSize * t + t * t + (bias ? 2 * t : 0);
        return tower + projector;
    }

    private static long Clip(VisionTowerConfig v)
    {
        long h = v.HiddenSize, f = v.IntermediateSize;
        long side = (v.ImageSize ?? 0) / v.PatchSize;
        long block = 4 * (h * h + h) + (h * f + f) + (f * h + h) + 2 * LayoutParts.LayerNorm(v.HiddenSize);
        long embeddings = h + (long)v.Channels * v.PatchSize * v.PatchSize * h + (side * side + 1) * h;
        return embeddings + 2 * LayoutParts.LayerNorm(v.HiddenSize) + v.Layers * block;
    }
}
