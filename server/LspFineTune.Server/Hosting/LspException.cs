namespace LspFineTune.Server.Hosting;

/// <summary>A request the server answers with a JSON-RPC error: the code and a message that says what to do.</summary>
public sealed class LspException(int code, string message) : Exception(message)
{
    public int Code { get; } = code;

    public static LspException InvalidParams(string message) => new(Protocol.LspErrorCodes.InvalidParams, message);
}
