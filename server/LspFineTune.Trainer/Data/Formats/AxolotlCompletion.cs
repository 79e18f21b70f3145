using System.Text.Json;

namespace LspFineTune.Trainer.Data.Formats;

/// <summary>
/// axolotl's <c>type: completion</c> (axolotl@067b021 <c>prompt_strategies/completion.py</c>): the record's <c>field</c>
/// (default "text") as BOS + text + EOS, trained on every token; a text longer than the sequence becomes several
/// examples of sequence_len tokens, not one cut short.
/// </summary>
public sealed class AxolotlCompletion(string textField) : IRecordFormat
{
    public string Expected => $"{{\"{textField}\": ...}}";

    public string? Render(JsonElement record, out RenderedExample? example)
    {
        example = null;
        if (record.ValueKind != JsonValueKind.Object || !RecordFields.Has(record, textField))
            return $"no \"{textField}\" (axolotl's completion type reads the record's `field`, \"text\" unless set)";
        if (RecordFields.String(record, textField, out var text) is { } problem)
            return problem;
        if (text.Length == 0)
            return $"\"{textField}\" is empty";
        example = RenderedExample.Framed([ExamplePiece.Target(text)], LongExample.Split);
        return null;
    }
}
