using System.Buffers;
using System.Text;
using System.Text.Json;
using StreamJsonRpc;
using StreamJsonRpc.Protocol;

namespace LspFineTune.Server.Hosting;

/// <summary>
/// StreamJsonRpc's System.Text.Json formatter, which fails on a request whose params are not an object or array
/// (<c>"params": "x"</c>) before anything knows its id. This one then reads the id from the raw message so the
/// handler can answer InvalidRequest to that id (JSON-RPC 2.0: the id is null only when it cannot be detected);
/// without it the client would wait for its reply forever.
/// </summary>
public sealed class LspMessageFormatter : SystemTextJsonFormatter, IJsonRpcMessageTextFormatter
{
    JsonRpcMessage IJsonRpcMessageFormatter.Deserialize(ReadOnlySequence<byte> contentBuffer) =>
        ((IJsonRpcMessageTextFormatter)this).Deserialize(contentBuffer, Encoding.UTF8);

    JsonRpcMessage IJsonRpcMessageTextFormatter.Deserialize(ReadOnlySequence<byte> contentBuffer, Encoding encoding)
    {
        try
        {
            return Deserialize(contentBuffer, encoding);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // Only this formatter's failures are recoverable: the frame was whole, so the next one can be read.
            throw IdOf(contentBuffer) is { } id ? new InvalidRequestException(id, e.Message) : new InvalidMessageException(e.Message);
        }
    }

    /// <summary>The id of a message that is a JSON object with a number or string id; null otherwise.</summary>
    private static RequestId? IdOf(ReadOnlySequence<byte> content)
    {
        try
        {
            // Deeper than the serializer's limit of 64 is one way such a message fails, so allow more here.
            var reader = new Utf8JsonReader(content, new JsonReaderOptions { MaxDepth = 4096 });
            using var document = JsonDocument.ParseValue(ref reader);
            if (document.RootElement.ValueKind != JsonValueKind.Object || !document.RootElement.TryGetProperty("id", out var id))
                return null;
            if (id.ValueKind == JsonValueKind.String)
                return new RequestId(id.GetString());
            return id.ValueKind == JsonValueKind.Number && id.TryGetInt64(out var number) ? new RequestId(number) : null;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or ArgumentException)
        {
            return null;
        }
    }
}

/// <summary>A whole frame whose body is not a JSON-RPC message (and has no usable id).</summary>
public sealed class InvalidMessageException(string reason) : Exception(reason);

/// <summary>A message with a usable id that is still not a valid JSON-RPC request.</summary>
public sealed class InvalidRequestException(RequestId id, string reason) : Exception(reason)
{
    public RequestId Id { get; } = id;
}
