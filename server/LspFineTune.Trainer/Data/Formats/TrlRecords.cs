using System.Text.Json;
using LspFineTune.Core.Planning;

namespace LspFineTune.Trainer.Data.Formats;

/// <summary>
/// The records TRL's SFTTrainer trains on (huggingface/trl@f2cd577 <c>trl/trainer/sft_trainer.py</c>): prompt-completion
/// records (loss on the completion unless <c>completion_only_loss: false</c>), else the text of
/// <c>dataset_text_field</c> (loss on every token), each followed by EOS. Conversational records (<c>messages</c>, or a
/// prompt that is a list of messages) go through the tokenizer's Jinja chat template, which lft-train does not run: they
/// are refused with what to do.
/// </summary>
public sealed class TrlRecords(DatasetFields fields, bool trainOnInputs) : IRecordFormat
{
    public string Expected => $"{{\"{fields.Text}\": ...}} or {{\"prompt\": ..., \"completion\": ...}}";

    public string? Render(JsonElement record, out RenderedExample? example)
    {
        example = null;
        if (record.ValueKind != JsonValueKind.Object)
            return "expected a JSON object";
        if (record.TryGetProperty("messages", out var messages) && messages.ValueKind == JsonValueKind.Array
            || record.TryGetProperty("prompt", out var conversational) && conversational.ValueKind == JsonValueKind.Array)
        {
            throw new TrainerException("TRL renders conversational records (`messages`) with the tokenizer's Jinja chat template, which lft-train does not run. Write the records as prompt/completion or text, or train with TRL itself (`lft train --engine framework`).", exitCode: 1);
        }
        if (RecordFields.Has(record, "prompt") && RecordFields.Has(record, "completion"))
        {
            if ((RecordFields.String(record, "prompt", out var prompt) ?? RecordFields.String(record, "completion", out _)) is { } problem)
                return problem;
            RecordFields.String(record, "completion", out var completion);
            example = RenderedExample.Framed([new ExamplePiece(PieceKind.Text, prompt, trainOnInputs), ExamplePiece.Target(completion)]);
            return null;
        }
        if (!RecordFields.Has(record, fields.Text))
            return $"no \"{fields.Text}\" (dataset_text_field), and no \"prompt\" with \"completion\"";
        if (RecordFields.String(record, fields.Text, out var text) is { } bad)
            return bad;
        if (text.Length == 0)
            return $"\"{fields.Text}\" is empty";
        example = RenderedExample.Framed([ExamplePiece.Target(text)]);
        return null;
    }
}
