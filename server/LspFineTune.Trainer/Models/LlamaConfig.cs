using System.Text.Json.Nodes;

namespace LspFineTune.Trainer.Models;

/// <summary>The shape of a LLaMA-family decoder (llama, mistral, qwen2 layouts), read from and written to config.json.</summary>
public sealed record LlamaConfig : CausalLmConfig
{
    public required int IntermediateSize { get; init; }
    public required int NumKeyValueHeads { get; init; }
    public int? HeadDimOverride { get; init; }
    public double RmsNormEps { get; init; } = 1e-5;
    public double RopeTheta { get; init; } = 10000.0;
    public RopeStyle RopeStyle { get; init; } = RopeStyle.HalfSplit;
    public bool AttentionBias { get; init; }

    public int HeadDim => HeadDimOverride ?? HiddenSize / NumAttentionHeads;

    public override string ModelType => "llama";

    /// <summary>Reads a LLaMA-family config.json (any family: <see cref="CausalLmConfig.Read"/>).</summary>
    public static new LlamaConfig Read(string path) => CausalLmConfig.Read(path) as LlamaConfig
        ?? throw new TrainerException($"{path}: not a LLaMA-family config.json.");

    internal static LlamaConfig FromJson(JsonObject json, string path, string modelType)
    {
        var heads = RequiredInt(json, path, "num_attention_heads");
        var config = new LlamaConfig
        {
            HiddenSize = RequiredInt(json, path, "hidden_size"),
            IntermediateSize = RequiredInt(json, path, "intermediate_size"),
            NumHiddenLayers = RequiredInt(json, path, "num_hidden_layers"),
            NumAttentionHeads = heads,
            NumKeyValueHeads = Optional(json, "num_key_value_heads", heads),
            VocabSize = RequiredInt(json, path, "vocab_size"),
            HeadDimOverride = json["head_dim"] is JsonValue hd && hd.TryGetValue<int>(out var headDim) ? headDim : null,
            MaxPositionEmbeddings = Optional(json, "max_position_embeddings", 2048),
            TieWordEmbeddings = Optional(json, "tie_word_embeddings", false),
            RmsNormEps = Optional(json, "rms_norm_eps", 1e-5),
            RopeTheta = Optional(json, "rope_theta", 10000.0),
            RopeStyle = Optional(json, "lft_rope_interleaved", false) ? RopeStyle.Interleaved : RopeStyle.HalfSplit,
            AttentionBias = Optional(json, "attention_bias", modelType.Equals("qwen2", StringComparison.OrdinalIgnoreCase)),
            BosTokenId = Optional(json, "bos_token_id", 1),
            EosTokenId = Optional(json, "eos_token_id", 2),
            PadTokenId = Optional(json, "pad_token_id", 0),
        };
        if (config.NumKeyValueHeads <= 0 || heads % config.NumKeyValueHeads != 0)
            throw new TrainerException($"{path}: num_attention_heads ({heads}) must be a multiple of num_key_value_heads ({config.NumKeyValueHeads}).");
        if (config.HeadDim % 2 != 0)
            throw new TrainerException($"{path}: the head dimension ({config.HeadDim}) must be even for rotary embeddings.");
        return config;
    }

    public override string ToJson()
    {
        var json = new JsonObject
        {
            ["architectures"] = new JsonArray("LlamaForCausalLM"),
            ["model_type"] = "llama",
            ["hidden_size"] = HiddenSize,
            ["intermediate_size"] = IntermediateSize,
            ["num_hidden_layers"] = NumHiddenLayers,
            ["num_attention_heads"] = NumAttentionHeads,
            ["num_key_value_heads"] = NumKeyValueHeads,
            ["head_dim"] = HeadDim,
            ["hidden_act"] = "silu",
            ["vocab_size"] = VocabSize,
            ["max_position_embeddings"] = MaxPositionEmbeddings,
            ["tie_word_embeddings"] = TieWordEmbeddings,
            ["rms_norm_eps"] = RmsNormEps,
            ["rope_theta"] = RopeTheta,
            ["attention_bias"] = AttentionBias,
            ["attention_dropout"] = 0.0,
            ["mlp_bias"] = false,
            ["initializer_range"] = 0.02,
            ["bos_token_id"] = BosTokenId,
            ["eos_token_id"] = EosTokenId,
            ["pad_token_id"] = PadTokenId,
            ["torch_dtype"] = "float32",
        };
        // Not a transformers key: llama2.c's interleaved rotation, kept only by lft-train.
        if (RopeStyle == RopeStyle.Interleaved)
            json["lft_rope_interleaved"] = true;
        return Serialize(json);
    }
}
