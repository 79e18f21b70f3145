using System.Buffers;
using System.Text;
using System.Text.Json;
using StreamJsonRpc;
using StreamJsonRpc.Protocol;

namespace LspFineTune.Server.Hosting;

/// <summary>
/// StreamJsonRpc's System.Text.Json formatter, which fails on a message it cannot take (params that are not an object
/// or array, a method that is not a string, nesting deeper than 64 levels) before anything knows its id. This one then
/// reads the id and the cause from the raw message (<see cref="MessageEnvelope"/>, no depth limit) so the handler can
/// answer that id (JSON-RPC 2.0: the id is null only when it cannot be detected); without it the client would wait for
/// its reply forever, or match an id-null error to nothing.
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
            var envelope = MessageEnvelope.Read(contentBuffer, isComplete: true);
            if (!envelope.IsJson || envelope.Id is not { } id)
                throw new InvalidMessageException(e.Message);
            throw Rejection(id, envelope, e);
        }
    }

    private static InvalidRequestException Rejection(RequestId id, MessageEnvelope envelope, Exception error)
    {
        var method = envelope.Method ?? "the request";
        if (envelope.Depth > LspJson.MaxDepth)
        {
            return new InvalidRequestException(id, envelope.ParamsKind is JsonTokenType.StartObject or JsonTokenType.StartArray ? JsonRpcErrorCode.InvalidParams : JsonRpcErrorCode.InvalidRequest,
                $"{method}: the message nests {envelope.Depth:N0} levels deep; the server reads at most {LspJson.MaxDepth}. It was ignored.");
        }
        if (envelope.ParamsKind is { } kind and not (JsonTokenType.StartObject or JsonTokenType.StartArray))
            return new InvalidRequestException(id, JsonRpcErrorCode.InvalidRequest, $"{method}: params must be an object or an array, not {Kind(kind)}; the request was ignored.");
        if (envelope.MethodKind is { } methodKind and not JsonTokenType.String)
            return new InvalidRequestException(id, JsonRpcErrorCode.InvalidRequest, $"The request's method must be a string, not {Kind(methodKind)}; the request was ignored.");
        return new InvalidRequestException(id, JsonRpcErrorCode.InvalidRequest, $"{method}: the request is not valid JSON-RPC; it was ignored.", error);
    }

    private static string Kind(JsonTokenType token) => token switch
    {
        JsonTokenType.String => "a string",
        JsonTokenType.Number => "a number",
        JsonTokenType.True or JsonTokenType.False => "a boolean",
        JsonTokenType.Null => "null",
        JsonTokenType.StartArray => "an array",
        _ => "an object",
    };
}

/// <summary>A whole frame whose body is not a JSON-RPC message (and has no usable id).</summary>
public sealed class InvalidMessageException(string reason) : Exception(reason);

/// <summary>A message with a usable id that is still not a valid JSON-RPC request: the error to answer that id with.</summary>
public sealed class InvalidRequestException(RequestId id, JsonRpcErrorCode code, string reason, Exception? cause = null) : Exception(reason, cause)
{
    public RequestId Id { get; } = id;

    public JsonRpcErrorCode Code { get; } = code;
}
