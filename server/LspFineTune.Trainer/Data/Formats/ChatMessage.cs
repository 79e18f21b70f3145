using System.Text.Json;
using LspFineTune.Core.Planning;

namespace LspFineTune.Trainer.Data.Formats;

/// <summary>One turn of a conversation, its role already mapped to the framework's names (user, assistant, system, ...).</summary>
public sealed record ChatMessage(string Role, string Content);

/// <summary>The messages of a chat record through its field names (<see cref="DatasetFields"/>).</summary>
internal static class ChatMessages
{
    /// <returns>Why the record has no usable messages; null when <paramref name="messages"/> holds them.</returns>
    public static string? Read(JsonElement record, DatasetFields fields, out List<ChatMessage> messages)
    {
        messages = [];
        if (record.ValueKind != JsonValueKind.Object)
            return $"expected a JSON object with \"{fields.Messages}\"";
        if (!record.TryGetProperty(fields.Messages, out var list) || list.ValueKind != JsonValueKind.Array)
            return $"no \"{fields.Messages}\" list of messages (set the messages field if the records call it otherwise)";
        foreach (var message in list.EnumerateArray())
        {
            if (message.ValueKind != JsonValueKind.Object || !message.TryGetProperty(fields.Role, out var role) || role.ValueKind != JsonValueKind.String)
                return $"a message of \"{fields.Messages}\" has no \"{fields.Role}\" string";
            if (RecordFields.String(message, fields.Content, out var content) is { } problem)
                return problem;
            var name = role.GetString()!;
            messages.Add(new ChatMessage(fields.Roles.GetValueOrDefault(name, name), content));
        }
        return messages.Count == 0 ? $"\"{fields.Messages}\" is empty" : null;
    }
}
