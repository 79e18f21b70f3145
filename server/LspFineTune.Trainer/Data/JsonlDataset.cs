using System.Text.Json;
using LspFineTune.Trainer.Files;
using LspFineTune.Trainer.Tokenization;

namespace LspFineTune.Trainer.Data;

/// <summary>A data line that could not be used, with its 1-based line number.</summary>
public sealed record BadLine(string File, long Line, string Problem)
{
    public override string ToString() => $"{File}:{Line}: {Problem}";
}

/// <summary>
/// Reads JSON lines: <c>{"text": ...}</c> (loss on every token) or <c>{"prompt": ..., "completion": ...}</c> (loss on
/// the completion only). Each example becomes BOS + tokens + EOS, cut to <c>maxTokens</c>. Blank lines are ignored;
/// any other unusable line (not JSON, not UTF-8, a lone surrogate, longer than <see cref="MaxLineBytes"/>, not
/// encodable by the tokenizer) is a <see cref="BadLine"/>, skipped or fatal by <see cref="BadLinePolicy"/>.
/// The file is streamed through <see cref="TrainerFiles"/>: one line in memory at a time, cancellable.
/// </summary>
public static class JsonlDataset
{
    /// <summary>One example line may hold this much: far above any sequence length's worth of text, far below memory.</summary>
    public const int MaxLineBytes = 16 * 1024 * 1024;

    /// <summary>Bad lines kept by number (each is logged and sent as an event); beyond these only the count grows.</summary>
    public const int MaxReportedBadLines = 100;

    /// <param name="BadLines">The first <see cref="MaxReportedBadLines"/> bad lines.</param>
    /// <param name="BadLineCount">All of them.</param>
    public sealed record Result(IReadOnlyList<TokenizedExample> Examples, IReadOnlyList<BadLine> BadLines, long BadLineCount);

    /// <param name="setting">The config key naming the file (data.train), for errors about the file itself.</param>
    public static Result Read(string path, ITextTokenizer tokenizer, int bosId, int eosId, int maxTokens, BadLinePolicy policy, CancellationToken cancellation = default, string? setting = null)
    {
        var examples = new List<TokenizedExample>();
        var bad = new List<BadLine>();
        long badCount = 0;
        using var stream = TrainerFiles.OpenRead(path, FileRole.DataFile with { Setting = setting }, cancellation);
        foreach (var line in TextLines.Read(stream, MaxLineBytes))
        {
            if (line.Text is not null && string.IsNullOrWhiteSpace(line.Text))
                continue;
            TokenizedExample? example = null;
            var problem = line.Problem ?? TryParse(line.Text!, tokenizer, bosId, eosId, maxTokens, out example);
            if (problem is null)
            {
                examples.Add(example!);
                continue;
            }
            var badLine = new BadLine(path, line.Number, problem);
            if (policy == BadLinePolicy.Fail)
                throw new TrainerException($"{badLine}. Fix the line, or run with --bad-lines skip to leave such lines out.", exitCode: 1);
            if (bad.Count < MaxReportedBadLines)
                bad.Add(badLine);
            badCount++;
        }
        if (examples.Count == 0)
            throw new TrainerException($"{path}: no usable example (each line needs {{\"text\": ...}} or {{\"prompt\": ..., \"completion\": ...}}){(badCount > 0 ? $"; {badCount} bad lines were skipped" : "")}.", exitCode: 1);
        return new Result(examples, bad, badCount);
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
            if (text.ValueKind != JsonValueKind.String)
                return "\"text\" must be a non-empty string";
            if (ReadString(text, "text", out var value) is { } invalid)
                return invalid;
            if (value.Length == 0)
                return "\"text\" must be a non-empty string";
            if (Append(value, true) is { } unencodable)
                return unencodable;
        }
        else if (root.TryGetProperty("prompt", out var prompt) && root.TryGetProperty("completion", out var completion))
        {
            if (prompt.ValueKind != JsonValueKind.String || completion.ValueKind != JsonValueKind.String)
                return "\"prompt\" and \"completion\" must be strings, the completion non-empty";
            if (ReadString(prompt, "prompt", out var promptText) is { } invalidPrompt)
                return invalidPrompt;
            if (ReadString(completion, "completion", out var completionText) is { } invalidCompletion)
                return invalidCompletion;
            if (completionText.Length == 0)
                return "\"prompt\" and \"completion\" must be strings, the completion non-empty";
            if ((Append(promptText, false) ?? Append(completionText, true)) is { } unencodable)
                return unencodable;
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

        string? Append(string value, bool isTarget)
        {
            IReadOnlyList<int> tokens;
            try
            {
                tokens = tokenizer.Encode(value);
            }
            catch (Exception ex) when (ex is ArgumentException or InvalidOperationException or FormatException)
            {
                return $"the tokenizer cannot encode it ({ex.Message.Split('\n')[0].TrimEnd('.')})";
            }
            ids.AddRange(tokens);
            targets.AddRange(Enumerable.Repeat(isTarget, tokens.Count));
            return null;
        }
    }

    /// <summary>
    /// A JSON string's value, or why it has none: an escape such as <c>"\ud800"</c> without its pair decodes to no
    /// Unicode text (System.Text.Json refuses it when the value is read, not when the line is parsed).
    /// </summary>
    private static string? ReadString(JsonElement element, string key, out string value)
    {
        try
        {
            value = element.GetString()!;
            return null;
        }
        catch (InvalidOperationException)
        {
            value = "";
            return $"\"{key}\" is not valid Unicode text (a lone surrogate such as \\ud800 without its pair)";
        }
    }
}
