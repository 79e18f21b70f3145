namespace LspFineTune.Core.Catalogs.Layouts;

/// <summary>
/// MiMo (the checkpoints' own modeling_mimo.py, trust_remote_code): the Qwen2 decoder (see <see cref="DecoderLayout"/>)
/// plus num_nextn_predict_layers multi-token-prediction blocks (model.mtp_layers.N) that the model loads and keeps in
/// memory though the causal-LM loss does not use them. Each is one more decoder block (the same attention and MLP,
/// input_layernorm and post_attention_layernorm) with token_layernorm and hidden_layernorm on its two inputs, a
/// bias-free input_proj from the concatenated 2 x hidden back to hidden, and a final_layernorm: 16 tensors. The draft
/// block runs in no training forward, so its weights are counted as other block weights (memory, not activations or
/// FLOPs); PEFT's suffix match would also put adapters on its q_proj..down_proj, one block in 37 that the LoRA count
/// here leaves out.
/// </summary>
internal static class MimoLayout
{
    public static ModelStructure Build(ModelArchitecture a)
    {
        var structure = DecoderLayout.Build(a);
        int draftBlocks = a.Extra.Int("num_nextn_predict_layers") ?? 0;
        long h = a.HiddenSize;
        long block = structure.LayerLinears.Sum(l => l.Parameters) + structure.LayerNormParameters;
        long draft = draftBlocks * (block + 3 * LayoutParts.RmsNorm(a.HiddenSize) + 2 * h * h);
        return structure with { OtherBlockParameters = structure.OtherBlockParameters + draft };
    }
}
