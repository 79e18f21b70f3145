namespace LspFineTune.Core.Catalogs.Layouts;

/// <summary>
/// Gemma 4 Unified (transformers modular_gemma4_unified.py): the Gemma 4 text decoder (see <see cref="Gemma4Layout"/>)
/// with no vision or audio tower. Images enter through Gemma4UnifiedVisionEmbedder: LayerNorm (with bias) over merged
/// raw patches of (patch_size x pooling_kernel_size)^2 x 3 pixels, a biased patch_dense to mm_embed_dim, a LayerNorm,
/// a two-axis position table (mm_posemb_size x 2 x mm_embed_dim), a LayerNorm, then a weight-free RMSNorm and a
/// bias-free projection from output_proj_dims to the text width. Audio frames of audio_embed_dim samples take the same
/// weight-free RMSNorm and a bias-free projection. Those keys live in vision_config / audio_config, which the config
/// reader does not pass to builders, so the Gemma4UnifiedVisionConfig / Gemma4UnifiedAudioConfig defaults (the 12B's
/// values) come from the family file's config_defaults.
/// </summary>
internal static class Gemma4UnifiedLayout
{
    public static ModelStructure Build(ModelArchitecture a)
    {
        var x = a.Extra;
        long text = a.HiddenSize;
        long patch = (long)(x.Int("patch_size") ?? 16) * (x.Int("pooling_kernel_size") ?? 3);
        long pixels = patch * patch * 3;
        long embed = x.Int("mm_embed_dim") ?? 3840;
        long projected = x.Int("output_proj_dims") ?? embed;
        long vision = LayoutParts.LayerNorm((int)pixels) + pixels * embed + embed + 2 * LayoutParts.LayerNorm((int)embed)
            + (long)(x.Int("mm_posemb_size") ?? 1120) * 2 * embed + projected * text;
        long audio = (long)(x.Int("audio_embed_dim") ?? 640) * text;
        var structure = Gemma4Layout.Build(a);
        return structure with { VisionParameters = structure.VisionParameters + vision + audio };
    }
}
