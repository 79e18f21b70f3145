using System.Text.Json;
using LspFineTune.Trainer.Tokenization;

namespace LspFineTune.Trainer.Data;

/// <summary>A data line that could not be used, with its 1-based line number.</summary>
public sealed record BadLine(string File, int Line, string Problem)
{
    public override string ToString() => $"{File}:{Line}: {Problem}";
}

/// <summary>
/// Reads JSON lines: <c>{"text": ...}</c> (loss on every token) or <c>{"prompt": ..., "completion": ...}</c> (loss on
/// the completion only). Each example becomes BOS + tokens + EOS, cut to <c>maxTokens</c>. Blank lines are ignored;
/// any other unusable line is a <see cref="BadLine"/>, skipped or fatal by <see cref="BadLinePolicy"/>.
/// </summary>
public static class JsonlDataset
{
    public sealed record Result(IReadOnlyList<TokenizedExample> Examples, IReadOnlyList<BadLine> BadLines);

    public static Result Read(string path, ITextTokenizer tokenizer, int bosId, int eosId, int maxTokens, BadLinePolicy policy)
    {
        string[] lines;
        try
        {
            lines = File.ReadAllLines(path);
        }
        catch (IOException ex)
        {
            throw new TrainerException($"{path}: cannot read the data file ({ex.Message}).");
        }
        catch (UnauthorizedAccessException ex)
        {
            throw new TrainerException($"{path}: cannot read the data file ({ex.Message}).");
        }
        var examples = new List<TokenizedExample>();
        var bad = new List<BadLine>();
        for (var index = 0; index < lines.Length; index++)
        {
            var line = lines[index];
            if (string.IsNullOrWhiteSpace(line))
                continue;
            var problem = TryParse(line, tokenizer, bosId, eosId, maxTokens, out var example);
            if (problem is null)
            {
                examples.Add(example!);
                continue;
            }
            var badLine = new BadLine(path, index + 1, problem);
            if (policy == BadLinePolicy.Fail)
                throw new TrainerException($"{badLine}. Fix the line, or run with --bad-lines skip to leave such lines out.", exitCode: 1);
            bad.Add(badLine);
        }
        if (examples.Count == 0)
            throw new TrainerException($"{path}: no usable example (each line needs {{\"text\": ...}} or {{\"prompt\": ..., \"completion\": ...}}).", exitCode: 1);
        return new Result(examples, bad);
    }

    private static string? TryParse(string line, ITextTokenizer tokenizer, int bosId, int eosId, int maxTokens, out TokenizedExample? example)
    {
        example = null;
        JsonElement root;
        try
        {
            using var document = JsonDocument.Parse(line);
            root = document.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            // System.Text.Json appends "Path: ... | LineNumber: 0 | ..." for the one-line document; the file line is ours.
            return $"not valid JSON ({ex.Message.Split(" Path:")[0].Split(" LineNumber:")[0].TrimEnd('.', ' ')})";
        }
        if (root.ValueKind != JsonValueKind.Object)
            return "expected a JSON object with \"text\" or \"prompt\" and \"completion\"";

        var ids = new List<int> { bosId };
        var targets = new List<bool> { false };
        if (root.TryGetProperty("text", out var text))
        {
            if (text.ValueKind != JsonValueKind.String || text.GetString()!.Length == 0)
                return "\"text\" must be a non-empty string";
            Append(tokenizer.Encode(text.GetString()!), true);
        }
        else if (root.TryGetProperty("prompt", out var prompt) && root.TryGetProperty("completion", out var completion))
        {
            if (prompt.ValueKind != JsonValueKind.String || completion.ValueKind != JsonValueKind.String || completion.GetString()!.Length == 0)
                return "\"prompt\" and \"completion\" must be strings, the completion non-empty";
            Append(tokenizer.Encode(prompt.GetString()!), false);
            Append(tokenizer.Encode(completion.GetString()!), true);
        }
        else
        {
            return "no \"text\", and no \"prompt\" with \"completion\"";
        }
        ids.Add(eosId);
        targets.Add(true);
        if (ids.Count > maxTokens)
        {
            ids.RemoveRange(maxTokens, ids.Count - maxTokens);
            targets.RemoveRange(maxTokens, targets.Count - maxTokens);
        }
        if (!targets.Skip(1).Any(t => t))
            return $"no completion token is left within the sequence length ({maxTokens} tokens); shorten the prompt or raise training.sequence_length";
        example = new TokenizedExample(ids.ToArray(), targets.ToArray());
        return null;

        void Append(IReadOnlyList<int> tokens, bool isTarget)
        {
            ids.AddRange(tokens);
            targets.AddRange(Enumerable.Repeat(isTarget, tokens.Count));
        }
    }
}
