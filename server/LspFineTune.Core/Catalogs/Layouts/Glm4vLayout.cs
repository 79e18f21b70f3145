namespace LspFineTune.Core.Catalogs.Layouts;

/// <summary>
/// GLM-4.1V / GLM-4.6V-Flash (glm4v: modeling_glm4v.py in transformers). The text decoder (Glm4vTextDecoderLayer) has
/// q/k/v_proj with bias and o_proj without, one fused <c>mlp.gate_up_proj</c> (h -> 2 x intermediate_size) and
/// <c>mlp.down_proj</c>, and four RMSNorms per block (input_layernorm, post_self_attn_layernorm, post_attention_layernorm,
/// post_mlp_layernorm); the generic decoder names gate_proj and up_proj separately, which LoRA targets would then
/// match in the text model although there they only exist in the vision tower. The tower is <see cref="VisionTower"/>.
/// </summary>
internal static class Glm4vLayout
{
    public static ModelStructure Build(ModelArchitecture a)
    {
        int h = a.HiddenSize, ffn = a.IntermediateSize;
        var linears = new List<LinearModule>();
        linears.AddRange(LayoutParts.SeparateAttention(a, "self_attn", "o_proj", qkvBias: true, outputBias: false));
        linears.Add(new LinearModule("gate_up_proj", LinearRole.MlpInput, h, 2 * ffn, HasBias: false) { ModulePath = "mlp.gate_up_proj" });
        linears.Add(new LinearModule("down_proj", LinearRole.MlpOutput, ffn, h, HasBias: false) { ModulePath = "mlp.down_proj" });
        return LayoutParts.RmsNormedModel(a, linears, 0) with { LayerNormParameters = 4 * LayoutParts.RmsNorm(h) };
    }

    /// <summary>
    /// Glm4vVisionModel: a biased Conv3d patch embedding (in_channels x temporal_patch_size x patch_size^2 -> hidden_size),
    /// post_conv_layernorm (RMSNorm), a learned position table of (image_size / patch_size)^2 rows, depth blocks of two
    /// RMSNorms, attn.qkv (bias attention_bias, false in the published configs) and a bias-free attn.proj, and a bias-free
    /// SwiGLU mlp whose width is out_hidden_size (Glm4VisionMlp), post_layernorm (RMSNorm), a biased Conv2d downsample
    /// over spatial_merge_size^2 patches (hidden_size -> out_hidden_size) and the merger: proj (out x out), a LayerNorm
    /// and a bias-free SwiGLU of width intermediate_size (gate_proj, up_proj, down_proj).
    /// </summary>
    public static long VisionTower(VisionTowerConfig v, ModelArchitecture text)
    {
        long w = v.HiddenSize, o = v.OutputSize, merger = v.IntermediateSize;
        long qkvBias = (v.Extra.Int("attention_bias") ?? 0) != 0 ? 3 * w : 0;
        long patch = (long)v.Channels * v.TemporalPatchSize * v.PatchSize * v.PatchSize * w + w;
        long positions = v.ImageSize is > 0 and var image ? (long)(image / v.PatchSize) * (image / v.PatchSize) * w : 0;
        long block = 2 * LayoutParts.RmsNorm((int)w) + w * 3 * w + qkvBias + w * w + 3 * w * o;
        long downsample = w * v.SpatialMergeSize * v.SpatialMergeSize * o + o;
        long projector = o * o + LayoutParts.LayerNorm((int)o) + 3 * o * merger;
        return patch + LayoutParts.RmsNorm((int)w) + positions + v.Layers * block + LayoutParts.RmsNorm((int)w) + downsample + projector;
    }
}
