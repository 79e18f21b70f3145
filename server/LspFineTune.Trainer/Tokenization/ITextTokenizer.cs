namespace LspFineTune.Trainer.Tokenization;

/// <summary>Text to token ids and back, without special tokens (the data pipeline adds BOS/EOS from config.json).</summary>
public interface ITextTokenizer
{
    /// <summary>Where the tokenizer came from, for the start-of-run log line.</summary>
    string Description { get; }

    IReadOnlyList<int> Encode(string text);

    string Decode(IEnumerable<int> ids);
}
