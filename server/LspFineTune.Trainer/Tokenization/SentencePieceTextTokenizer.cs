using LspFineTune.Trainer.Files;
using Microsoft.ML.Tokenizers;

namespace LspFineTune.Trainer.Tokenization;

/// <summary>A SentencePiece <c>tokenizer.model</c> (Llama, Mistral) read by Microsoft.ML.Tokenizers' LlamaTokenizer.</summary>
public sealed class SentencePieceTextTokenizer : ITextTokenizer
{
    private readonly LlamaTokenizer _tokenizer;

    public SentencePieceTextTokenizer(string path, CancellationToken cancellation = default)
    {
        using var stream = new MemoryStream(TrainerFiles.ReadAllBytes(path, FileRole.Tokenizer, cancellation), writable: false);
        _tokenizer = LlamaTokenizer.Create(stream, addBeginOfSentence: false, addEndOfSentence: false);
        Description = $"SentencePiece ({path})";
    }

    public string Description { get; }

    public IReadOnlyList<int> Encode(string text) => _tokenizer.EncodeToIds(text);

    public string Decode(IEnumerable<int> ids) => _tokenizer.Decode(ids);
}
