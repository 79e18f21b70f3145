using System.Text.Json;
using System.Text.Json.Nodes;

namespace LspFineTune.Trainer.Models;

/// <summary>What every supported decoder family shares in its config.json, and the reader that picks the family.</summary>
public abstract record CausalLmConfig
{
    public required int HiddenSize { get; init; }
    public required int NumHiddenLayers { get; init; }
    public required int NumAttentionHeads { get; init; }
    public required int VocabSize { get; init; }
    public int MaxPositionEmbeddings { get; init; } = 2048;
    public bool TieWordEmbeddings { get; init; }
    public int BosTokenId { get; init; } = 1;
    public int EosTokenId { get; init; } = 2;
    public int PadTokenId { get; init; }

    /// <summary>config.json's model_type.</summary>
    public abstract string ModelType { get; }

    /// <summary>The config.json Hugging Face transformers reads for this model.</summary>
    public abstract string ToJson();

    /// <summary>Reads config.json and returns the family's config; throws <see cref="TrainerException"/> naming the file and key.</summary>
    public static CausalLmConfig Read(string path)
    {
        JsonObject json;
        try
        {
            json = JsonNode.Parse(Files.TrainerFiles.ReadAllText(path, Files.FileRole.ModelConfig)) as JsonObject ?? throw new TrainerException($"{path}: config.json must hold a JSON object.");
        }
        catch (JsonException ex)
        {
            throw new TrainerException($"{path}: not valid JSON ({ex.Message}). Fix the file or regenerate it with `lft-train init-model`.");
        }
        catch (IOException ex)
        {
            throw new TrainerException($"{path}: cannot read ({ex.Message}).");
        }
        var modelType = json["model_type"] is JsonValue type && type.TryGetValue<string>(out var name) ? name : "llama";
        return modelType.ToLowerInvariant() switch
        {
            "gpt2" => Gpt2Config.FromJson(json, path),
            "llama" or "mistral" or "qwen2" => LlamaConfig.FromJson(json, path, modelType),
            _ => throw new TrainerException($"{path}: model_type `{modelType}` is not supported by lft-train (supported: llama, mistral, qwen2, gpt2)."),
        };
    }

    internal static int RequiredInt(JsonObject json, string path, params string[] keys)
    {
        foreach (var key in keys)
        {
            if (json[key] is JsonValue value && value.TryGetValue<int>(out var number) && number > 0)
                return number;
        }
        throw new TrainerException($"{path}: `{keys[0]}` is missing or not a positive integer; config.json needs it.");
    }

    internal static T Optional<T>(JsonObject json, string key, T fallback) =>
        json[key] is JsonValue value && value.TryGetValue<T>(out var result) ? result : fallback;

    internal static string Serialize(JsonObject json) => json.ToJsonString(new JsonSerializerOptions { WriteIndented = true });
}
