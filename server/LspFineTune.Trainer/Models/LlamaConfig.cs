using System.Text.Json;
using System.Text.Json.Nodes;

namespace LspFineTune.Trainer.Models;

/// <summary>The shape of a LLaMA-family decoder, read from and written to a Hugging Face <c>config.json</c>.</summary>
public sealed record LlamaConfig
{
    public required int HiddenSize { get; init; }
    public required int IntermediateSize { get; init; }
    public required int NumHiddenLayers { get; init; }
    public required int NumAttentionHeads { get; init; }
    public required int NumKeyValueHeads { get; init; }
    public required int VocabSize { get; init; }
    public int? HeadDimOverride { get; init; }
    public int MaxPositionEmbeddings { get; init; } = 2048;
    public bool TieWordEmbeddings { get; init; }
    public double RmsNormEps { get; init; } = 1e-5;
    public double RopeTheta { get; init; } = 10000.0;
    public RopeStyle RopeStyle { get; init; } = RopeStyle.HalfSplit;
    public bool AttentionBias { get; init; }
    public int BosTokenId { get; init; } = 1;
    public int EosTokenId { get; init; } = 2;
    public int PadTokenId { get; init; }

    public int HeadDim => HeadDimOverride ?? HiddenSize / NumAttentionHeads;

    /// <summary>model_type values whose weights use the Llama layout and names.</summary>
    private static readonly HashSet<string> LlamaFamily = new(StringComparer.OrdinalIgnoreCase) { "llama", "mistral", "qwen2" };

    /// <summary>Reads config.json; throws <see cref="TrainerException"/> naming the file and the key when it does not fit.</summary>
    public static LlamaConfig Read(string path)
    {
        JsonObject json;
        try
        {
            json = JsonNode.Parse(File.ReadAllText(path)) as JsonObject ?? throw new TrainerException($"{path}: config.json must hold a JSON object.");
        }
        catch (JsonException ex)
        {
            throw new TrainerException($"{path}: not valid JSON ({ex.Message}). Fix the file or regenerate it with `lft-train init-model`.");
        }
        catch (IOException ex)
        {
            throw new TrainerException($"{path}: cannot read ({ex.Message}).");
        }
        var modelType = json["model_type"]?.GetValue<string>() ?? "llama";
        if (!LlamaFamily.Contains(modelType))
            throw new TrainerException($"{path}: model_type `{modelType}` is not supported by lft-train (supported: {string.Join(", ", LlamaFamily)}). Use a LLaMA-family model folder.");

        int Required(string key) => json[key] is JsonValue value && value.TryGetValue<int>(out var number) && number > 0
            ? number
            : throw new TrainerException($"{path}: `{key}` is missing or not a positive integer; a LLaMA config.json needs it.");

        var heads = Required("num_attention_heads");
        var config = new LlamaConfig
        {
            HiddenSize = Required("hidden_size"),
            IntermediateSize = Required("intermediate_size"),
            NumHiddenLayers = Required("num_hidden_layers"),
            NumAttentionHeads = heads,
            NumKeyValueHeads = json["num_key_value_heads"] is JsonValue kv && kv.TryGetValue<int>(out var kvHeads) ? kvHeads : heads,
            VocabSize = Required("vocab_size"),
            HeadDimOverride = json["head_dim"] is JsonValue hd && hd.TryGetValue<int>(out var headDim) ? headDim : null,
            MaxPositionEmbeddings = json["max_position_embeddings"] is JsonValue mp && mp.TryGetValue<int>(out var maxPos) ? maxPos : 2048,
            TieWordEmbeddings = json["tie_word_embeddings"] is JsonValue tie && tie.TryGetValue<bool>(out var tied) && tied,
            RmsNormEps = json["rms_norm_eps"] is JsonValue eps && eps.TryGetValue<double>(out var epsValue) ? epsValue : 1e-5,
            RopeTheta = json["rope_theta"] is JsonValue theta && theta.TryGetValue<double>(out var thetaValue) ? thetaValue : 10000.0,
            RopeStyle = json["lft_rope_interleaved"] is JsonValue inter && inter.TryGetValue<bool>(out var interleaved) && interleaved ? RopeStyle.Interleaved : RopeStyle.HalfSplit,
            AttentionBias = json["attention_bias"] is JsonValue bias && bias.TryGetValue<bool>(out var hasBias) ? hasBias : modelType.Equals("qwen2", StringComparison.OrdinalIgnoreCase),
            BosTokenId = json["bos_token_id"] is JsonValue bos && bos.TryGetValue<int>(out var bosId) ? bosId : 1,
            EosTokenId = json["eos_token_id"] is JsonValue eos && eos.TryGetValue<int>(out var eosId) ? eosId : 2,
            PadTokenId = json["pad_token_id"] is JsonValue pad && pad.TryGetValue<int>(out var padId) ? padId : 0,
        };
        if (heads % config.NumKeyValueHeads != 0)
            throw new TrainerException($"{path}: num_attention_heads ({heads}) must be a multiple of num_key_value_heads ({config.NumKeyValueHeads}).");
        if (config.HeadDim % 2 != 0)
            throw new TrainerException($"{path}: the head dimension ({config.HeadDim}) must be even for rotary embeddings.");
        return config;
    }

    /// <summary>The config.json Hugging Face transformers reads for this model.</summary>
    public string ToJson()
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
        if (RopeStyle == RopeStyle.Interleaved)
            json["lft_rope_interleaved"] = true;
        return json.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
    }
}
