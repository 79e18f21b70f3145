using LspFineTune.Trainer.Data.Formats;
using LspFineTune.Trainer.Tokenization;

namespace LspFineTune.Trainer.Data;

/// <summary>A data record that could not be used: its 1-based line, or its index in a JSON array file.</summary>
public sealed record BadLine(string File, long Line, string Problem, bool InArray = false)
{
    public override string ToString() => InArray ? $"{File}: record {Line}: {Problem}" : $"{File}:{Line}: {Problem}";
}

/// <summary>
/// Reads data files into tokenized examples: each record (<see cref="RecordFile"/>) is rendered by its framework's
/// <see cref="IRecordFormat"/> (lft's own <c>{"text": ...}</c> / <c>{"prompt": ..., "completion": ...}</c> by default)
/// and encoded by <see cref="ExampleEncoder"/>. Any unusable record (not JSON, not UTF-8, a lone surrogate, longer than
/// <see cref="MaxLineBytes"/>, not the format's fields, not encodable by the tokenizer) is a <see cref="BadLine"/>,
/// skipped or fatal by <see cref="BadLinePolicy"/>.
/// </summary>
public static class JsonlDataset
{
    /// <summary>One example line may hold this much: far above any sequence length's worth of text, far below memory.</summary>
    public const int MaxLineBytes = RecordFile.MaxLineBytes;

    /// <summary>Bad lines kept by number (each is logged and sent as an event); beyond these only the count grows.</summary>
    public const int MaxReportedBadLines = 100;

    /// <param name="BadLines">The first <see cref="MaxReportedBadLines"/> bad lines.</param>
    /// <param name="BadLineCount">All of them.</param>
    public sealed record Result(IReadOnlyList<TokenizedExample> Examples, IReadOnlyList<BadLine> BadLines, long BadLineCount);

    /// <summary>lft's own JSON lines file: BOS + tokens + EOS, cut to <paramref name="maxTokens"/>.</summary>
    /// <param name="setting">The config key naming the file (data.train), for errors about the file itself.</param>
    public static Result Read(string path, ITextTokenizer tokenizer, int bosId, int eosId, int maxTokens, BadLinePolicy policy, CancellationToken cancellation = default, string? setting = null) =>
        Read([path], NativeRecords.Instance, new ExampleEncoder(tokenizer, bosId, eosId, maxTokens), policy, cancellation, setting);

    /// <summary>The records of <paramref name="paths"/>, in order, rendered by <paramref name="format"/>.</summary>
    public static Result Read(IReadOnlyList<string> paths, IRecordFormat format, ExampleEncoder encoder, BadLinePolicy policy, CancellationToken cancellation = default, string? setting = null)
    {
        var examples = new List<TokenizedExample>();
        var bad = new List<BadLine>();
        long badCount = 0;
        foreach (var path in paths)
        {
            foreach (var record in RecordFile.Read(path, setting, cancellation, out var isArray))
            {
                IReadOnlyList<TokenizedExample> encoded = [];
                RenderedExample? rendered = null;
                var problem = record.Problem ?? format.Render(record.Value!.Value, out rendered) ?? encoder.Encode(rendered!, out encoded);
                if (problem is null)
                {
                    examples.AddRange(encoded);
                    continue;
                }
                var badLine = new BadLine(path, record.Number, problem, isArray);
                if (policy == BadLinePolicy.Fail)
                    throw new TrainerException($"{badLine}. Fix the {(isArray ? "record" : "line")}, or run with --bad-lines skip to leave such lines out.", exitCode: 1);
                if (bad.Count < MaxReportedBadLines)
                    bad.Add(badLine);
                badCount++;
            }
        }
        if (examples.Count == 0)
            throw new TrainerException($"{string.Join(", ", paths)}: no usable example (each line needs {format.Expected}){(badCount > 0 ? $"; {badCount} bad lines were skipped" : "")}.", exitCode: 1);
        return new Result(examples, bad, badCount);
    }
}
