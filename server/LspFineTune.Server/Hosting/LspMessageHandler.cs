using System.Buffers;
using System.Collections.Concurrent;
using System.Text;
using System.Text.Json;
using StreamJsonRpc;
using StreamJsonRpc.Protocol;
using StreamJsonRpc.Reflection;

namespace LspFineTune.Server.Hosting;

/// <summary>
/// LSP's framing and the checks every message passes before StreamJsonRpc binds it. StreamJsonRpc ends the whole
/// connection on a frame or message it cannot read, on a request without a method, on a response to no request it
/// sent, and answers a second in-flight request with the same id with InternalError; from an editor (a late reply
/// after a cancellation, a duplicate reply) or a fuzzer, such a message should only cost itself. So:
/// <list type="bullet">
/// <item>frames are read by <see cref="LspFrameReader"/>, which skips a bad frame and finds the next one;</item>
/// <item>a body that is not JSON-RPC gets ParseError (id null, as JSON-RPC 2.0 asks), or InvalidRequest to its id
/// when one can be read (<see cref="LspMessageFormatter"/>);</item>
/// <item>a request without a method gets InvalidRequest, a response whose id the server never sent is dropped;</item>
/// <item>a request for a <c>$/</c> method gets MethodNotFound (LSP: those are notifications, or unknown);</item>
/// <item>a request refused by the lifecycle (before initialize, after shutdown) gets its error here, before its
/// params are bound, so -32002 comes ahead of any complaint about params;</item>
/// <item>params that are not an object (LSP passes every method's params by name) get InvalidParams here, since
/// StreamJsonRpc would answer them with its own wording of .NET signatures;</item>
/// <item>a request whose id is still in flight gets InvalidRequest, and the first one goes on.</item>
/// </list>
/// Writing is StreamJsonRpc's (Content-Length header, UTF-8 body).
/// </summary>
public sealed class LspMessageHandler : HeaderDelimitedMessageHandler, IJsonRpcMessageBufferManager
{
    private readonly LspFrameReader _frames;
    private readonly ServerSession _session;
    private readonly ServerLog _log;
    private readonly Action<string> _tellUser;

    /// <summary>Ids of the server's own requests that await a response from the client.</summary>
    private readonly ConcurrentDictionary<RequestId, bool> _awaitingResponse = new();

    /// <summary>Ids of the client's requests handed to StreamJsonRpc and not answered yet.</summary>
    private readonly ConcurrentDictionary<RequestId, bool> _inFlight = new();

    public LspMessageHandler(Stream output, Stream input, IJsonRpcMessageFormatter formatter, ServerSession session, ServerLog log, Action<string> tellUser)
        : base(output, input, formatter)
    {
        _frames = new LspFrameReader(Reader!);
        _session = session;
        _log = log;
        _tellUser = tellUser;
    }

    protected override async ValueTask<JsonRpcMessage?> ReadCoreAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            var frame = await _frames.ReadAsync(cancellationToken).ConfigureAwait(false);
            JsonRpcMessage message;
            MessageEnvelope envelope;
            switch (frame)
            {
                case null:
                    return null;
                case LspSkippedFrame skipped:
                    await SkippedAsync(skipped, cancellationToken).ConfigureAwait(false);
                    continue;
                case LspMessageFrame { Body: var body }:
                    try
                    {
                        message = ((IJsonRpcMessageTextFormatter)Formatter).Deserialize(new ReadOnlySequence<byte>(body), Encoding.UTF8);
                        envelope = MessageEnvelope.Read(new ReadOnlySequence<byte>(body), isComplete: true);
                    }
                    catch (InvalidRequestException e)
                    {
                        _log.Write($"ignored an invalid request {e.Id}: {e.Message}");
                        await ReplyErrorAsync(e.Id, e.Code, e.Message, cancellationToken).ConfigureAwait(false);
                        continue;
                    }
                    catch (InvalidMessageException e)
                    {
                        _log.Write($"ignored a message that is not JSON-RPC: {e.Message}");
                        await ReplyErrorAsync(RequestId.Null, JsonRpcErrorCode.ParseError, "The message is not valid JSON-RPC; it was ignored.", cancellationToken).ConfigureAwait(false);
                        continue;
                    }
                    break;
                default:
                    throw new InvalidOperationException($"unknown frame {frame}");
            }

            if (await RefusedAsync(message, envelope, cancellationToken).ConfigureAwait(false))
            {
                Release(message);
                continue;
            }
            return message;
        }
    }

    /// <summary>Answers a message that must not reach StreamJsonRpc; false for one that may.</summary>
    private async ValueTask<bool> RefusedAsync(JsonRpcMessage message, MessageEnvelope envelope, CancellationToken cancellationToken)
    {
        switch (message)
        {
            case JsonRpcRequest { Method: null } request:
                _log.Write("ignored a request without a method");
                if (request.IsResponseExpected)
                    await ReplyErrorAsync(request.RequestId, JsonRpcErrorCode.InvalidRequest, "The request has no method.", cancellationToken).ConfigureAwait(false);
                return true;
            case JsonRpcRequest { IsResponseExpected: true } request when request.Method.StartsWith("$/", StringComparison.Ordinal):
                await ReplyErrorAsync(request.RequestId, JsonRpcErrorCode.MethodNotFound, $"{request.Method}: the server has no such request ($/ methods are notifications).", cancellationToken).ConfigureAwait(false);
                return true;
            case JsonRpcRequest { IsResponseExpected: true } request when _session.Refusal(request.Method) is { } refusal:
                await ReplyErrorAsync(request.RequestId, (JsonRpcErrorCode)refusal.Code, refusal.Message, cancellationToken).ConfigureAwait(false);
                return true;
            case JsonRpcRequest request when envelope.ParamsKind is { } kind and not (JsonTokenType.StartObject or JsonTokenType.Null):
                var notAnObject = $"{request.Method}: params must be an object (LSP passes params by name), not {(kind == JsonTokenType.StartArray ? "an array" : "a single value")}.";
                _log.Write($"ignored {notAnObject}");
                if (request.IsResponseExpected)
                    await ReplyErrorAsync(request.RequestId, JsonRpcErrorCode.InvalidParams, notAnObject, cancellationToken).ConfigureAwait(false);
                else if (_session.AcceptsNotifications && !request.Method.StartsWith("$/", StringComparison.Ordinal))
                    _tellUser($"{request.Method} was ignored: {notAnObject}");
                return true;
            case JsonRpcRequest { IsResponseExpected: true } request when !_inFlight.TryAdd(request.RequestId, true):
                _log.Write($"refused a {request.Method} request with id {request.RequestId}, which a request in progress already has");
                await ReplyErrorAsync(request.RequestId, JsonRpcErrorCode.InvalidRequest,
                    $"{request.Method}: id {request.RequestId} belongs to a request that is still in progress; give each request its own id.", cancellationToken).ConfigureAwait(false);
                return true;
            case IJsonRpcMessageWithId response and (JsonRpcResult or JsonRpcError) when !_awaitingResponse.TryRemove(response.RequestId, out _):
                _log.Write($"ignored a response to {response.RequestId}, which is no request of the server's");
                return true;
            default:
                return false;
        }
    }

    /// <summary>A frame the reader skipped: an error to its id when its body showed one, else to id null.</summary>
    private async ValueTask SkippedAsync(LspSkippedFrame skipped, CancellationToken cancellationToken)
    {
        var what = skipped.Envelope?.Method is { } method ? $"a {method} message" : "a message";
        _log.Write($"skipped {what}: {skipped.Reason}");
        if (skipped.Envelope?.Id is { } id)
        {
            await ReplyErrorAsync(id, JsonRpcErrorCode.InvalidRequest, $"The message was not read: {skipped.Reason}.", cancellationToken).ConfigureAwait(false);
            return;
        }
        if (skipped.Envelope?.Method is not null)
        {
            // A notification (a didOpen too large to read): no reply is allowed, so the user is told.
            _tellUser($"Skipped {what}: {skipped.Reason}.");
            return;
        }
        await ReplyErrorAsync(RequestId.Null, JsonRpcErrorCode.ParseError, $"A frame was not read: {skipped.Reason}.", cancellationToken).ConfigureAwait(false);
    }

    protected override void Write(JsonRpcMessage content, CancellationToken cancellationToken)
    {
        switch (content)
        {
            case JsonRpcRequest { IsResponseExpected: true } request:
                _awaitingResponse[request.RequestId] = true;
                break;
            // A reply of this handler's own answers a request StreamJsonRpc never saw: the id it carries may be in flight.
            case IJsonRpcMessageWithId reply and (JsonRpcResult or JsonRpcError) and not HandlerReply:
                _inFlight.TryRemove(reply.RequestId, out _);
                break;
        }
        // The server's own errors carry no data; one StreamJsonRpc made itself may carry an exception with its stack
        // trace, which belongs in the log, not in the editor.
        if (content is JsonRpcError { Error: { Data: { } data } detail })
        {
            _log.Write($"removed error data from a reply ({detail.Message}): {data}");
            detail.Data = null;
        }
        base.Write(content, cancellationToken);
    }

    /// <summary>
    /// What JsonRpc does with a message once handled (its params are bound by then): the message's JSON document goes
    /// back to its pool. Bodies are copied out of the pipe, so the pipe holds nothing for it.
    /// </summary>
    void IJsonRpcMessageBufferManager.DeserializationComplete(JsonRpcMessage message) =>
        (message as IJsonRpcMessageBufferManager)?.DeserializationComplete(message);

    /// <summary>The same for a message this handler answered or dropped, which JsonRpc never sees.</summary>
    private static void Release(JsonRpcMessage message)
    {
        (message as IJsonRpcMessageBufferManager)?.DeserializationComplete(message);
        (message as IDisposable)?.Dispose();
    }

    private async Task ReplyErrorAsync(RequestId id, JsonRpcErrorCode code, string message, CancellationToken cancellationToken)
    {
        var error = new HandlerReply { RequestId = id, Error = new JsonRpcError.ErrorDetail { Code = code, Message = message } };
        await WriteAsync(error, cancellationToken).ConfigureAwait(false);
    }

    /// <summary>An error reply this handler writes itself, to a message StreamJsonRpc never dispatched.</summary>
    private sealed class HandlerReply : JsonRpcError;
}
