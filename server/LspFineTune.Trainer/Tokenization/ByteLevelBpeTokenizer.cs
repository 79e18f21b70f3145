using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using LspFineTune.Trainer.Files;
using Microsoft.ML.Tokenizers;

namespace LspFineTune.Trainer.Tokenization;

/// <summary>
/// GPT-2 style byte-level BPE (vocab + merges over GPT-2's byte-to-unicode alphabet), read by Microsoft.ML.Tokenizers'
/// CodeGenTokenizer, which implements exactly that scheme. Sources: a Hugging Face tokenizer.json whose model is BPE
/// with a ByteLevel pre-tokenizer, or the classic vocab.json + merges.txt pair.
/// </summary>
public sealed class ByteLevelBpeTokenizer : ITextTokenizer
{
    private const string GptEndOfText = "<|endoftext|>";

    private readonly CodeGenTokenizer _tokenizer;

    private ByteLevelBpeTokenizer(Stream vocab, Stream merges, string description)
    {
        try
        {
            _tokenizer = CodeGenTokenizer.Create(vocab, merges, addPrefixSpace: false, addBeginOfSentence: false, addEndOfSentence: false);
        }
        catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or FormatException or JsonException or KeyNotFoundException)
        {
            throw new TrainerException($"{description}: cannot read the BPE vocabulary or merges ({ex.Message}). Replace the tokenizer files or remove them to use bytes as tokens.");
        }
        Description = description;
    }

    public string Description { get; }

    public IReadOnlyList<int> Encode(string text) => _tokenizer.EncodeToIds(text);

    public string Decode(IEnumerable<int> ids) => _tokenizer.Decode(ids);

    public static ByteLevelBpeTokenizer FromFiles(string vocabPath, string mergesPath, CancellationToken cancellation = default)
    {
        using var vocab = new MemoryStream(TrainerFiles.ReadAllBytes(vocabPath, FileRole.Tokenizer, cancellation), writable: false);
        using var merges = new MemoryStream(TrainerFiles.ReadAllBytes(mergesPath, FileRole.Tokenizer, cancellation), writable: false);
        return new ByteLevelBpeTokenizer(vocab, merges, $"byte-level BPE ({vocabPath})");
    }

    /// <summary>The tokenizer of a tokenizer.json with a BPE model and a ByteLevel pre-tokenizer, or null for other kinds.</summary>
    internal static ByteLevelBpeTokenizer? FromTokenizerJson(JsonObject json, string path)
    {
        if (json["model"] is not JsonObject model || model["type"]?.GetValue<string>() != "BPE" || model["vocab"] is not JsonObject vocab)
            return null;
        if (!UsesByteLevel(json["pre_tokenizer"]))
            return null;
        var mergeLines = new StringBuilder("#version: 0.2\n");
        foreach (var merge in model["merges"] as JsonArray ?? [])
        {
            // Older files write "a b", newer ones ["a", "b"].
            var line = merge switch
            {
                JsonArray pair when pair.Count == 2 => $"{pair[0]!.GetValue<string>()} {pair[1]!.GetValue<string>()}",
                JsonValue text => text.GetValue<string>(),
                _ => throw new TrainerException($"{path}: a merge of the BPE model is neither \"a b\" nor [\"a\", \"b\"]."),
            };
            mergeLines.Append(line).Append('\n');
        }
        var vocabulary = (JsonObject)vocab.DeepClone();
        // CodeGenTokenizer insists on GPT-2's unknown token; a vocabulary without it gets it on an id past the end,
        // which ordinary text never produces.
        if (!vocabulary.ContainsKey(GptEndOfText))
            vocabulary[GptEndOfText] = vocabulary.Select(p => p.Value!.GetValue<int>()).DefaultIfEmpty(-1).Max() + 1;
        using var vocabStream = new MemoryStream(Encoding.UTF8.GetBytes(vocabulary.ToJsonString()));
        using var mergesStream = new MemoryStream(Encoding.UTF8.GetBytes(mergeLines.ToString()));
        return new ByteLevelBpeTokenizer(vocabStream, mergesStream, $"byte-level BPE ({path})");
    }

    private static bool UsesByteLevel(JsonNode? preTokenizer) => preTokenizer switch
    {
        JsonObject node when node["type"]?.GetValue<string>() == "ByteLevel" => true,
        JsonObject node when node["type"]?.GetValue<string>() == "Sequence" && node["pretokenizers"] is JsonArray parts => parts.Any(UsesByteLevel),
        _ => false,
    };
}
