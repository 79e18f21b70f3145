using StreamJsonRpc;
using StreamJsonRpc.Protocol;

namespace LspFineTune.Server.Hosting;

/// <summary>
/// LSP's Content-Length framing, tolerant of a broken message body. StreamJsonRpc ends the whole connection on a
/// message it cannot parse; a malformed message from an editor (or a fuzzer) should only cost that message. A frame
/// whose body is not JSON-RPC is answered with ParseError (id null, as JSON-RPC 2.0 asks) and reading goes on with
/// the next frame. A broken header still ends the connection: where the next frame starts is unknown then.
/// </summary>
public sealed class LspMessageHandler(Stream output, Stream input, IJsonRpcMessageFormatter formatter, ServerLog log)
    : HeaderDelimitedMessageHandler(output, input, formatter)
{
    protected override async ValueTask<JsonRpcMessage?> ReadCoreAsync(CancellationToken cancellationToken)
    {
        while (true)
        {
            try
            {
                return await base.ReadCoreAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (Exception e) when (e is not (OperationCanceledException or BadRpcHeaderException or IOException or ObjectDisposedException))
            {
                log.Write($"ignored a message that is not JSON-RPC: {e.GetType().Name}: {e.Message}");
                var error = new JsonRpcError
                {
                    RequestId = RequestId.Null,
                    Error = new JsonRpcError.ErrorDetail { Code = JsonRpcErrorCode.ParseError, Message = "The message is not valid JSON-RPC; it was ignored." },
                };
                await WriteAsync(error, cancellationToken).ConfigureAwait(false);
            }
        }
    }
}
