using LspFineTune.Trainer.Tokenization;

namespace LspFineTune.Trainer.Data;

/// <summary>
/// Turns a <see cref="RenderedExample"/> into token ids and their loss mask: each text run is encoded on its own (as the
/// frameworks encode a prompt and its response apart), BOS and EOS are config.json's ids. An example longer than
/// <c>maxTokens</c> is cut at its end, or split into windows of <c>maxTokens - 1</c> (axolotl's completion).
/// </summary>
public sealed class ExampleEncoder(ITextTokenizer tokenizer, int bosId, int eosId, int maxTokens)
{
    /// <summary>The examples, or why the record is unusable.</summary>
    public string? Encode(RenderedExample rendered, out IReadOnlyList<TokenizedExample> examples)
    {
        examples = [];
        var ids = new List<int>();
        var targets = new List<bool>();
        foreach (var piece in rendered.Pieces)
        {
            switch (piece.Kind)
            {
                case PieceKind.Bos:
                    ids.Add(bosId);
                    targets.Add(piece.Trained);
                    break;
                case PieceKind.Eos:
                    ids.Add(eosId);
                    targets.Add(piece.Trained);
                    break;
                default:
                    IReadOnlyList<int> tokens;
                    try
                    {
                        tokens = tokenizer.Encode(piece.Text);
                    }
                    catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or FormatException)
                    {
                        return $"the tokenizer cannot encode it ({ex.Message.Split('\n')[0].TrimEnd('.')})";
                    }
                    ids.AddRange(tokens);
                    targets.AddRange(Enumerable.Repeat(piece.Trained, tokens.Count));
                    break;
            }
        }
        var windows = new List<TokenizedExample>();
        if (rendered.Long == LongExample.Split && ids.Count > maxTokens)
        {
            // completion.py 50-52: the tokens are cut into pieces of sequence_len, each an example of its own.
            var size = maxTokens - 1;
            for (var start = 0; start < ids.Count; start += size)
            {
                var count = Math.Min(size, ids.Count - start);
                if (count >= 2)
                    windows.Add(new TokenizedExample(ids.GetRange(start, count).ToArray(), targets.GetRange(start, count).ToArray()));
            }
        }
        else
        {
            var count = Math.Min(ids.Count, maxTokens);
            windows.Add(new TokenizedExample(ids.GetRange(0, count).ToArray(), targets.GetRange(0, count).ToArray()));
        }
        // Position 0 predicts nothing, so a target there does not count.
        windows.RemoveAll(w => !w.IsTarget.Skip(1).Any(t => t));
        if (windows.Count == 0)
            return ids.Count > maxTokens
                ? $"no completion token is left within the sequence length ({maxTokens} tokens); shorten the prompt or raise training.sequence_length"
                : "it has no token to train on";
        examples = windows;
        return null;
    }
}
