using System.Reflection;
using StreamJsonRpc;
using StreamJsonRpc.Protocol;

namespace LspFineTune.Server.Hosting;

/// <summary>
/// StreamJsonRpc's connection with LSP error replies: an <see cref="LspException"/> becomes its code and message;
/// anything else becomes InternalError with a one-line message. StreamJsonRpc's default puts the exception type and
/// stack trace into <c>error.data</c>; that goes to the log instead.
/// </summary>
public sealed class LspJsonRpc(IJsonRpcMessageHandler handler, ServerLog log) : JsonRpc(handler)
{
    protected override JsonRpcError.ErrorDetail CreateErrorDetails(JsonRpcRequest request, Exception exception)
    {
        var error = Unwrap(exception);
        if (error is LspException lsp)
            return new JsonRpcError.ErrorDetail { Code = (JsonRpcErrorCode)lsp.Code, Message = lsp.Message };
        // Params that do not deserialize into the method's LSP type: the client's mistake, not the server's.
        if (error is System.Text.Json.JsonException)
            return new JsonRpcError.ErrorDetail { Code = JsonRpcErrorCode.InvalidParams, Message = $"{request.Method}: invalid params: {error.Message}" };
        if (error is OperationCanceledException)
            return new JsonRpcError.ErrorDetail { Code = (JsonRpcErrorCode)Protocol.LspErrorCodes.RequestCancelled, Message = $"{request.Method} was cancelled." };
        log.Write($"{request.Method} failed: {error}");
        return new JsonRpcError.ErrorDetail
        {
            Code = JsonRpcErrorCode.InternalError,
            Message = $"{request.Method} failed inside the server ({error.GetType().Name}: {error.Message}). The server keeps running; the log has details.",
        };
    }

    private static Exception Unwrap(Exception exception)
    {
        while (exception is TargetInvocationException or AggregateException && exception.InnerException is { } inner)
            exception = inner;
        return exception;
    }
}
