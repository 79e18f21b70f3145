namespace LspFineTune.Core.Catalogs.Layouts;

/// <summary>
/// Gemma 4's vision encoder (transformers modular_gemma4.py Gemma4VisionModel) and its projector. The patch embedder is
/// a bias-free input_proj from 3 x patch_size^2 pixels plus a two-axis position table (2 x position_embedding_size x
/// hidden); each encoder block has bias-free q/k/v/o_proj with q_norm/k_norm of head_dim (v_norm has no weight), a
/// GeGLU gate/up/down MLP and four RMSNorms; there is no final norm and the pooler has no weights.
/// Gemma4MultimodalEmbedder maps the pooled features with a weight-free RMSNorm and a bias-free embedding_projection
/// into the text width. Defaults are Gemma4VisionConfig's.
/// </summary>
internal static class Gemma4VisionTower
{
    public static long Build(VisionTowerConfig v, ModelArchitecture text)
    {
        long h = v.HiddenSize;
        long heads = v.Extra.Int("num_attention_heads") ?? 12;
        long kvHeads = v.Extra.Int("num_key_value_heads") ?? 12;
        long headDim = v.Extra.Int("head_dim") ?? 64;
        long positions = v.Extra.Int("position_embedding_size") ?? 10 * 1024;
        long attention = h * heads * headDim + 2 * h * kvHeads * headDim + heads * headDim * h + 2 * headDim;
        long block = attention + 3 * h * v.IntermediateSize + 4 * LayoutParts.RmsNorm(v.HiddenSize);
        long patches = 3L * v.PatchSize * v.PatchSize * h + 2 * positions * h;
        return v.Layers * block + patches + h * text.HiddenSize;
    }
}
