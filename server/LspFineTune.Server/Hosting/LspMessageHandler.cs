using System.Collections.Concurrent;
using StreamJsonRpc;
using StreamJsonRpc.Protocol;
using StreamJsonRpc.Reflection;

namespace LspFineTune.Server.Hosting;

/// <summary>
/// LSP's Content-Length framing, tolerant of bad messages. StreamJsonRpc ends the whole connection on a message it
/// cannot parse, on a request without a method, and on a response to no request it sent; from an editor (a late
/// reply after a cancellation, a duplicate reply) or a fuzzer, such a message should only cost itself. So: a body
/// that is not JSON-RPC gets ParseError (id null, as JSON-RPC 2.0 asks), a request without a method InvalidRequest,
/// a response whose id the server never sent is dropped, and reading goes on. A broken header (any error that is
/// not the formatter's, see <see cref="LspMessageFormatter"/>) still ends the connection: where the next frame
/// starts is unknown then.
/// </summary>
public sealed class LspMessageHandler(Stream output, Stream input, IJsonRpcMessageFormatter formatter, ServerLog log)
    : HeaderDelimitedMessageHandler(output, input, formatter)
{
    /// <summary>Ids of the server's own requests that await a response from the client.</summary>
    private readonly ConcurrentDictionary<RequestId, bool> _awaitingResponse = new();

    protected override async ValueTask<JsonRpcMessage?> ReadCoreAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            JsonRpcMessage? message;
            try
            {
                message = await base.ReadCoreAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (InvalidRequestException e)
            {
                log.Write($"ignored an invalid request {e.Id}: {e.Message}");
                await ReplyErrorAsync(e.Id, JsonRpcErrorCode.InvalidRequest, "The request is not valid JSON-RPC (params must be an object or an array); it was ignored.", cancellationToken).ConfigureAwait(false);
                continue;
            }
            catch (InvalidMessageException e)
            {
                log.Write($"ignored a message that is not JSON-RPC: {e.Message}");
                await ReplyErrorAsync(RequestId.Null, JsonRpcErrorCode.ParseError, "The message is not valid JSON-RPC; it was ignored.", cancellationToken).ConfigureAwait(false);
                continue;
            }
            switch (message)
            {
                case JsonRpcRequest { Method: null } request:
                    log.Write("ignored a request without a method");
                    Release(message);
                    if (request.IsResponseExpected)
                        await ReplyErrorAsync(request.RequestId, JsonRpcErrorCode.InvalidRequest, "The request has no method.", cancellationToken).ConfigureAwait(false);
                    continue;
                case IJsonRpcMessageWithId response and (JsonRpcResult or JsonRpcError) when !_awaitingResponse.TryRemove(response.RequestId, out _):
                    log.Write($"ignored a response to {response.RequestId}, which is no request of the server's");
                    Release(message);
                    continue;
                default:
                    return message;
            }
        }
    }

    protected override void Write(JsonRpcMessage content, CancellationToken cancellationToken)
    {
        if (content is JsonRpcRequest { IsResponseExpected: true } request)
            _awaitingResponse[request.RequestId] = true;
        base.Write(content, cancellationToken);
    }

    /// <summary>
    /// What JsonRpc does with a message once handled: the pipe keeps the message's bytes until then, and the next
    /// read fails while they are held.
    /// </summary>
    private void Release(JsonRpcMessage message)
    {
        ((IJsonRpcMessageBufferManager)this).DeserializationComplete(message);
        (message as IDisposable)?.Dispose();
    }

    private async Task ReplyErrorAsync(RequestId id, JsonRpcErrorCode code, string message, CancellationToken cancellationToken)
    {
        var error = new JsonRpcError { RequestId = id, Error = new JsonRpcError.ErrorDetail { Code = code, Message = message } };
        await WriteAsync(error, cancellationToken).ConfigureAwait(false);
    }
}
