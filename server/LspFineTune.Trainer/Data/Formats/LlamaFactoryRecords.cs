using System.Text.Json;
using LspFineTune.Core.Planning;

namespace LspFineTune.Trainer.Data.Formats;

/// <summary>
/// LLaMA-Factory's alpaca and sharegpt records for <c>stage: sft</c> (LLaMA-Factory@ff6d4d1 <c>data/converter.py</c>
/// AlpacaDatasetConverter and SharegptDatasetConverter, <c>data/processor/supervised.py</c>): turned into a system prompt
/// and alternating user/assistant messages, then rendered by the <see cref="LlamaFactoryTemplate"/>. A record the
/// converter would drop (roles out of turn, an odd number of messages, no response) is a bad record.
/// </summary>
public sealed class LlamaFactoryRecords(DatasetFormat format, DatasetFields fields, LlamaFactoryTemplate template, bool trainOnPrompt) : IRecordFormat
{
    public string Expected => format == DatasetFormat.Alpaca
        ? $"{{\"{fields.Instruction}\": ..., \"{fields.Input}\": ..., \"{fields.Output}\": ...}}"
        : $"{{\"{fields.Messages}\": [{{\"{fields.Role}\": ..., \"{fields.Content}\": ...}}, ...]}}";

    public string? Render(JsonElement record, out RenderedExample? example)
    {
        example = null;
        if (record.ValueKind != JsonValueKind.Object)
            return "expected a JSON object";
        var problem = format == DatasetFormat.Alpaca ? Alpaca(record, out var system, out var messages) : Sharegpt(record, out system, out messages);
        if (problem is not null)
            return problem;
        example = new RenderedExample(template.Render(system, messages, trainOnPrompt));
        return null;
    }

    /// <summary>converter.py AlpacaDatasetConverter: history pairs, then prompt + "\n" + query as the user turn, the response.</summary>
    private string? Alpaca(JsonElement record, out string system, out List<ChatMessage> messages)
    {
        messages = [];
        system = "";
        if (fields.System is { } systemColumn && RecordFields.String(record, systemColumn, out system) is { } badSystem)
            return badSystem;
        if (fields.History is { } historyColumn && record.TryGetProperty(historyColumn, out var history) && history.ValueKind == JsonValueKind.Array)
        {
            foreach (var pair in history.EnumerateArray())
            {
                if (pair.ValueKind != JsonValueKind.Array || pair.GetArrayLength() != 2 || pair[0].ValueKind != JsonValueKind.String || pair[1].ValueKind != JsonValueKind.String)
                    return $"each \"{historyColumn}\" entry must be a [prompt, response] pair of strings";
                messages.Add(new ChatMessage("user", pair[0].GetString()!));
                messages.Add(new ChatMessage("assistant", pair[1].GetString()!));
            }
        }
        var query = new List<string>();
        if (RecordFields.String(record, fields.Instruction, out var prompt) is { } badPrompt)
            return badPrompt;
        if (prompt.Length > 0)
            query.Add(prompt);
        if (fields.Input is { } inputColumn)
        {
            if (RecordFields.String(record, inputColumn, out var input) is { } badInput)
                return badInput;
            if (input.Length > 0)
                query.Add(input);
        }
        messages.Add(new ChatMessage("user", string.Join("\n", query)));
        if (!record.TryGetProperty(fields.Output, out var response) || response.ValueKind != JsonValueKind.String)
            return $"no \"{fields.Output}\" string: an unsupervised record, which supervised fine-tuning drops (supervised.py)";
        RecordFields.Decode(response, fields.Output, out var responseText);
        messages.Add(new ChatMessage("assistant", responseText));
        return null;
    }

    /// <summary>converter.py SharegptDatasetConverter: a leading system turn is the system prompt; the rest alternates
    /// user (or observation) and assistant (or function) and ends on the response.</summary>
    private string? Sharegpt(JsonElement record, out string system, out List<ChatMessage> messages)
    {
        system = "";
        if (ChatMessages.Read(record, fields, out messages) is { } problem)
            return problem;
        if (messages[0].Role == "system")
        {
            system = messages[0].Content;
            messages.RemoveAt(0);
        }
        else if (fields.System is { } systemColumn && RecordFields.String(record, systemColumn, out system) is { } badSystem)
        {
            return badSystem;
        }
        for (var i = 0; i < messages.Count; i++)
        {
            var expected = i % 2 == 0 ? "user" : "assistant";
            if (messages[i].Role is "observation" or "function")
                return $"message {i + 1} is a tool turn ({messages[i].Role}); lft-train renders user and assistant turns only";
            if (messages[i].Role != expected)
                return $"invalid role tag: message {i + 1} is `{messages[i].Role}` where LLaMA-Factory expects a {expected} turn (converter.py skips such examples)";
        }
        return messages.Count % 2 != 0 || messages.Count == 0
            ? "invalid message count: a conversation must end on an assistant turn (converter.py skips such examples)"
            : null;
    }
}
