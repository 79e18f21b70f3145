using System.Text.Json;

namespace LspFineTune.Trainer.Data.Formats;

/// <summary>
/// lft's own records (<c>data.train</c>): <c>{"text": ...}</c>, trained on every token, or <c>{"prompt": ...,
/// "completion": ...}</c>, trained on the completion; BOS before and EOS after (trained).
/// </summary>
public sealed class NativeRecords : IRecordFormat
{
    public static NativeRecords Instance { get; } = new();

    public string Expected => "{\"text\": ...} or {\"prompt\": ..., \"completion\": ...}";

    public string? Render(JsonElement record, out RenderedExample? example)
    {
        example = null;
        if (record.ValueKind != JsonValueKind.Object)
            return "expected a JSON object with \"text\" or \"prompt\" and \"completion\"";
        if (record.TryGetProperty("text", out var text))
        {
            if (text.ValueKind != JsonValueKind.String)
                return "\"text\" must be a non-empty string";
            if (RecordFields.Decode(text, "text", out var value) is { } invalid)
                return invalid;
            if (value.Length == 0)
                return "\"text\" must be a non-empty string";
            example = RenderedExample.Framed([ExamplePiece.Target(value)]);
            return null;
        }
        if (record.TryGetProperty("prompt", out var prompt) && record.TryGetProperty("completion", out var completion))
        {
            const string Shape = "\"prompt\" and \"completion\" must be strings, the completion non-empty";
            if (prompt.ValueKind != JsonValueKind.String || completion.ValueKind != JsonValueKind.String)
                return Shape;
            if ((RecordFields.Decode(prompt, "prompt", out var promptText) ?? RecordFields.Decode(completion, "completion", out _)) is { } invalid)
                return invalid;
            RecordFields.Decode(completion, "completion", out var completionText);
            if (completionText.Length == 0)
                return Shape;
            example = RenderedExample.Framed([ExamplePiece.Context(promptText), ExamplePiece.Target(completionText)]);
            return null;
        }
        return "no \"text\", and no \"prompt\" with \"completion\"";
    }
}
