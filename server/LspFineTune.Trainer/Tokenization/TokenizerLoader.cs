using System.Text.Json;
using System.Text.Json.Nodes;
using LspFineTune.Trainer.Files;

namespace LspFineTune.Trainer.Tokenization;

/// <summary>
/// Picks the tokenizer of a model folder: tokenizer.model (SentencePiece), tokenizer.json (byte-level, with or without
/// BPE merges), vocab.json + merges.txt (GPT-2), or bytes as tokens when there is none.
/// </summary>
public static class TokenizerLoader
{
    public const string TokenizerJson = "tokenizer.json";
    public const string SentencePieceModel = "tokenizer.model";
    public const string VocabJson = "vocab.json";
    public const string MergesText = "merges.txt";

    public static ITextTokenizer Load(string folder, int vocabSize, CancellationToken cancellation = default)
    {
        var sentencePiece = Path.Combine(folder, SentencePieceModel);
        if (File.Exists(sentencePiece))
        {
            try
            {
                return new SentencePieceTextTokenizer(sentencePiece, cancellation);
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or IOException or FormatException)
            {
                throw new TrainerException($"{sentencePiece}: cannot read the SentencePiece model ({ex.Message}). Replace the file or remove it to use the byte-level tokenizer.");
            }
        }
        var jsonPath = Path.Combine(folder, TokenizerJson);
        ITextTokenizer tokenizer;
        if (File.Exists(jsonPath))
        {
            JsonObject json;
            try
            {
                json = JsonNode.Parse(TrainerFiles.ReadAllText(jsonPath, FileRole.Tokenizer, cancellation)) as JsonObject ?? throw new TrainerException($"{jsonPath}: not a JSON object.");
            }
            catch (JsonException ex)
            {
                throw new TrainerException($"{jsonPath}: not valid JSON ({ex.Message}).");
            }
            tokenizer = (ITextTokenizer?)ByteLevelTokenizer.FromTokenizerJson(json)
                ?? ByteLevelBpeTokenizer.FromTokenizerJson(json, jsonPath)
                ?? throw new TrainerException($"{jsonPath}: lft-train reads byte-level BPE tokenizer.json files (GPT-2 style) and SentencePiece tokenizer.model files; this tokenizer.json is another kind. Add the model's tokenizer.model, or remove tokenizer.json to train with bytes as tokens.");
        }
        else if (File.Exists(Path.Combine(folder, VocabJson)) && File.Exists(Path.Combine(folder, MergesText)))
        {
            tokenizer = ByteLevelBpeTokenizer.FromFiles(Path.Combine(folder, VocabJson), Path.Combine(folder, MergesText), cancellation);
        }
        else
        {
            tokenizer = new ByteLevelTokenizer();
        }
        if (tokenizer is ByteLevelTokenizer bytes && bytes.RequiredVocabSize > vocabSize)
            throw new TrainerException($"{folder}: the byte-level tokenizer needs a vocabulary of {bytes.RequiredVocabSize} ids but config.json has vocab_size {vocabSize}. Add the model's tokenizer files or raise vocab_size.");
        return tokenizer;
    }
}
