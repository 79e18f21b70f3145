using System.Buffers;
using System.Text.Json;
using StreamJsonRpc;

namespace LspFineTune.Server.Hosting;

/// <summary>
/// What a JSON-RPC message says about itself before it is bound: its id and method, the JSON kind of its params,
/// how deep it nests, and whether it is JSON at all. Read token by token with no depth limit, so a message that
/// nests far deeper than the serializer allows still yields the id its error reply must carry (JSON-RPC 2.0: the id is
/// null only when it cannot be detected). Works on the start of a message too (<c>isComplete: false</c>): then
/// <see cref="IsJson"/> is false and the id is whatever the start showed.
/// </summary>
public sealed record MessageEnvelope(RequestId? Id, string? Method, JsonTokenType? MethodKind, JsonTokenType? ParamsKind, int Depth, bool IsJson)
{
    private static readonly MessageEnvelope NotJson = new(null, null, null, null, 0, false);

    private enum Member
    {
        Other,
        Id,
        Method,
        Params,
    }

    public static MessageEnvelope Read(ReadOnlySequence<byte> json, bool isComplete)
    {
        var reader = new Utf8JsonReader(json, isComplete, new JsonReaderState(new JsonReaderOptions { MaxDepth = int.MaxValue }));
        RequestId? id = null;
        string? method = null;
        JsonTokenType? methodKind = null, paramsKind = null;
        var depth = 0;
        var member = Member.Other;
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
                return NotJson;
            while (reader.Read())
            {
                if (reader.TokenType is JsonTokenType.StartObject or JsonTokenType.StartArray)
                    depth = Math.Max(depth, reader.CurrentDepth + 1);
                if (reader.CurrentDepth != 1)
                    continue;
                if (reader.TokenType == JsonTokenType.PropertyName)
                {
                    member = reader.ValueTextEquals("id"u8) ? Member.Id
                        : reader.ValueTextEquals("method"u8) ? Member.Method
                        : reader.ValueTextEquals("params"u8) ? Member.Params
                        : Member.Other;
                    continue;
                }
                switch (member)
                {
                    case Member.Id:
                        id ??= IdOf(ref reader);
                        break;
                    case Member.Method:
                        methodKind = reader.TokenType;
                        method = reader.TokenType == JsonTokenType.String ? LenientStringConverter.Decode(RawValue(ref reader)) : null;
                        break;
                    case Member.Params:
                        paramsKind = reader.TokenType;
                        break;
                }
                member = Member.Other;
            }
        }
        catch (JsonException)
        {
            return NotJson with { Id = isComplete ? null : id, Method = isComplete ? null : method };
        }
        // Depth 1 is the message object itself.
        return new MessageEnvelope(id, method, methodKind, paramsKind, Math.Max(depth, 1), isComplete);
    }

    /// <summary>A number or string id; null for anything JSON-RPC does not allow as an id (1.5, objects, null).</summary>
    private static RequestId? IdOf(ref Utf8JsonReader reader) => reader.TokenType switch
    {
        JsonTokenType.Number when reader.TryGetInt64(out var number) => new RequestId(number),
        JsonTokenType.String => new RequestId(LenientStringConverter.Decode(RawValue(ref reader))),
        _ => null,
    };

    private static ReadOnlySpan<byte> RawValue(ref Utf8JsonReader reader) =>
        reader.HasValueSequence ? reader.ValueSequence.ToArray() : reader.ValueSpan;
}
