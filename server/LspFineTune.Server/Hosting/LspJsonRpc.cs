using System.Reflection;
using StreamJsonRpc;
using StreamJsonRpc.Protocol;

namespace LspFineTune.Server.Hosting;

/// <summary>
/// StreamJsonRpc's connection with LSP error replies: an <see cref="LspException"/> becomes its code and message;
/// params that do not bind become InvalidParams naming the field (<see cref="InvalidParamsMessage"/>); anything else
/// becomes InternalError with a one-line message. StreamJsonRpc's default puts the exception type and stack trace into
/// <c>error.data</c>; that goes to the log instead. A notification has no reply, so its failure is told to the user
/// (<paramref name="tellUser"/>: the editor's log view) instead of being dropped without a word.
/// </summary>
public sealed class LspJsonRpc(IJsonRpcMessageHandler handler, ServerLog log, Action<string> tellUser) : JsonRpc(handler)
{
    protected override JsonRpcError.ErrorDetail CreateErrorDetails(JsonRpcRequest request, Exception exception)
    {
        var detail = Detail(request, Unwrap(exception));
        if (!request.IsResponseExpected)
        {
            var message = $"{request.Method} was ignored: {detail.Message}";
            log.Write(message);
            tellUser(message);
        }
        return detail;
    }

    private JsonRpcError.ErrorDetail Detail(JsonRpcRequest request, Exception error)
    {
        var method = request.Method ?? "the request";
        if (error is LspException lsp)
            return new JsonRpcError.ErrorDetail { Code = (JsonRpcErrorCode)lsp.Code, Message = lsp.Message };
        // Params that do not deserialize into the method's LSP type: the client's mistake, not the server's.
        if (error is System.Text.Json.JsonException json)
            return new JsonRpcError.ErrorDetail { Code = JsonRpcErrorCode.InvalidParams, Message = InvalidParamsMessage.For(method, json) };
        if (error is OperationCanceledException)
            return new JsonRpcError.ErrorDetail { Code = (JsonRpcErrorCode)Protocol.LspErrorCodes.RequestCancelled, Message = $"{method} was cancelled." };
        log.Write($"{method} failed: {error}");
        return new JsonRpcError.ErrorDetail
        {
            Code = JsonRpcErrorCode.InternalError,
            Message = $"{method} failed inside the server ({error.GetType().Name}: {error.Message}). The server keeps running; the log has details.",
        };
    }

    private static Exception Unwrap(Exception exception)
    {
        while (exception is TargetInvocationException or AggregateException && exception.InnerException is { } inner)
            exception = inner;
        return exception;
    }
}
