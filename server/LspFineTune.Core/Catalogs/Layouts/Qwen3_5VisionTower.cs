namespace LspFineTune.Core.Catalogs.Layouts;

/// <summary>
/// Qwen3.5's vision tower (modeling_qwen3_5.py Qwen3_5VisionModel, Qwen3-VL's without deepstack mergers): the ViT of
/// <see cref="VitTower"/> (a Conv3d patch embedding with bias over temporal_patch_size frames, a learned table of
/// num_position_embeddings rows, depth blocks of fused qkv, proj, linear_fc1, linear_fc2 with biases and two
/// LayerNorms) and its patch merger: a LayerNorm over hidden_size (in the place of the plain ViT's final norm, the same
/// count), then linear_fc1 (4 x hidden -> 4 x hidden for a 2 x 2 spatial merge) and linear_fc2 (-> out_hidden_size), with
/// biases.
/// </summary>
internal static class Qwen3_5VisionTower
{
    public static long Build(VisionTowerConfig v, ModelArchitecture text)
    {
        long merged = (long)v.HiddenSize * v.SpatialMergeSize * v.SpatialMergeSize;
        return VitTower.Build(v, text) + merged * merged + merged + merged * v.OutputSize + v.OutputSize;
    }
}
