using System.Text.Json.Nodes;

namespace LspFineTune.Trainer.Models;

/// <summary>GPT-2's shape (config.json keys n_embd, n_layer, n_head, n_positions, n_inner, layer_norm_epsilon).</summary>
public sealed record Gpt2Config : CausalLmConfig
{
    /// <summary>MLP width; GPT-2's n_inner null means 4 x n_embd.</summary>
    public required int InnerSize { get; init; }
    public double LayerNormEpsilon { get; init; } = 1e-5;

    public int HeadDim => HiddenSize / NumAttentionHeads;

    public override string ModelType => "gpt2";

    internal static Gpt2Config FromJson(JsonObject json, string path)
    {
        var hidden = RequiredInt(json, path, "n_embd", "hidden_size");
        var heads = RequiredInt(json, path, "n_head", "num_attention_heads");
        if (hidden % heads != 0)
            throw new TrainerException($"{path}: n_embd ({hidden}) must be a multiple of n_head ({heads}).");
        var activation = Optional(json, "activation_function", "gelu_new");
        if (activation is not ("gelu_new" or "gelu_pytorch_tanh"))
            throw new TrainerException($"{path}: activation_function `{activation}` is not supported for gpt2 by lft-train (gelu_new only).");
        return new Gpt2Config
        {
            HiddenSize = hidden,
            NumHiddenLayers = RequiredInt(json, path, "n_layer", "num_hidden_layers"),
            NumAttentionHeads = heads,
            VocabSize = RequiredInt(json, path, "vocab_size"),
            InnerSize = json["n_inner"] is JsonValue inner && inner.TryGetValue<int>(out var width) && width > 0 ? width : 4 * hidden,
            MaxPositionEmbeddings = RequiredInt(json, path, "n_positions", "max_position_embeddings"),
            LayerNormEpsilon = Optional(json, "layer_norm_epsilon", 1e-5),
            TieWordEmbeddings = Optional(json, "tie_word_embeddings", true),
            BosTokenId = Optional(json, "bos_token_id", 50256),
            EosTokenId = Optional(json, "eos_token_id", 50256),
            PadTokenId = Optional(json, "pad_token_id", Optional(json, "eos_token_id", 50256)),
        };
    }

    public override string ToJson() => Serialize(new JsonObject
    {
        ["architectures"] = new JsonArray("GPT2LMHeadModel"),
        ["model_type"] = "gpt2",
        ["n_embd"] = HiddenSize,
        ["n_layer"] = NumHiddenLayers,
        ["n_head"] = NumAttentionHeads,
        ["n_inner"] = InnerSize,
        ["n_positions"] = MaxPositionEmbeddings,
        ["n_ctx"] = MaxPositionEmbeddings,
        ["vocab_size"] = VocabSize,
        ["activation_function"] = "gelu_new",
        ["layer_norm_epsilon"] = LayerNormEpsilon,
        ["tie_word_embeddings"] = TieWordEmbeddings,
        ["resid_pdrop"] = 0.0,
        ["embd_pdrop"] = 0.0,
        ["attn_pdrop"] = 0.0,
        ["initializer_range"] = 0.02,
        ["bos_token_id"] = BosTokenId,
        ["eos_token_id"] = EosTokenId,
        ["pad_token_id"] = PadTokenId,
        ["torch_dtype"] = "float32",
    });
}
