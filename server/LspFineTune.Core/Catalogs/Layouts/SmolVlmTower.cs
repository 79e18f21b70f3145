namespace LspFineTune.Core.Catalogs.Layouts;

/// <summary>
/// SmolVLM (transformers modeling_smolvlm.py): a SigLIP-shaped vision transformer (<see cref="VitTower"/>) and the
/// connector's modality_projection.proj, which maps scale_factor^2 pixel-shuffled patches of the vision width to the
/// text hidden size without a bias.
/// </summary>
internal static class SmolVlmTower
{
    public static long Build(VisionTowerConfig v, ModelArchitecture text)
    {
        int scale = text.Extra.Int("scale_factor") ?? 2;
        return VitTower.Build(v, text) + (long)scale * scale * v.HiddenSize * text.HiddenSize;
    }
}
