namespace LspFineTune.Trainer.Data;

/// <summary>What a piece of an example is: text for the tokenizer, or the model's BOS or EOS token (config.json ids).</summary>
public enum PieceKind { Text, Bos, Eos }

/// <summary>One run of an example and whether the model is trained to predict its tokens.</summary>
public readonly record struct ExamplePiece(PieceKind Kind, string Text, bool Trained)
{
    public static ExamplePiece Context(string text) => new(PieceKind.Text, text, false);

    public static ExamplePiece Target(string text) => new(PieceKind.Text, text, true);

    public static ExamplePiece Bos(bool trained = false) => new(PieceKind.Bos, "", trained);

    public static ExamplePiece Eos(bool trained) => new(PieceKind.Eos, "", trained);
}

/// <summary>How an example longer than the sequence is handled: cut at its end, or split into several (axolotl's completion).</summary>
public enum LongExample { Truncate, Split }

/// <summary>
/// One example as its framework's template renders it, before tokenization: text runs with their loss mask, and the
/// special tokens where the template puts them. Every format ends here, so one encoder turns all of them into ids.
/// </summary>
public sealed record RenderedExample(IReadOnlyList<ExamplePiece> Pieces, LongExample Long = LongExample.Truncate)
{
    /// <summary>lft's own records and axolotl's alpaca/completion: BOS, the pieces, EOS (trained, so the model learns to stop).</summary>
    public static RenderedExample Framed(IEnumerable<ExamplePiece> pieces, LongExample handling = LongExample.Truncate) =>
        new([ExamplePiece.Bos(), .. pieces, ExamplePiece.Eos(trained: true)], handling);
}
