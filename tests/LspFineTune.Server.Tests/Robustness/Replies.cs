using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using Xunit.Sdk;

namespace LspFineTune.Server.Tests.Robustness;

/// <summary>
/// What every reply must look like, whatever was sent: JSON-RPC 2.0, the request's id, exactly one of result and
/// error, and an error with an integer code, a message, and nothing that looks like a stack trace or an exception dump.
/// Every failure message carries <c>context</c> (the seed and the message that was sent).
/// </summary>
public static partial class Replies
{
    /// <summary>" at Namespace.Type.Method(" frames, "--- End of stack trace", or a raw "StackTrace" field.</summary>
    [GeneratedRegex(@"(^|\n|\\n)\s*at [\w.`<>\[\],|]+\(|--- End of|StackTrace|stackTrace", RegexOptions.CultureInvariant)]
    private static partial Regex StackTraceLike();

    public static void AssertProper(JsonObject reply, string expectedIdJson, string context)
    {
        var text = reply.ToJsonString();
        string Where() => $"\ncontext: {context}\nreply: {RawLspClient.Truncate(text, 2000)}";

        if ((string?)reply["jsonrpc"] != "2.0")
            throw new XunitException($"reply without \"jsonrpc\": \"2.0\"{Where()}");
        var id = reply["id"]?.ToJsonString() ?? "null";
        if (id != RawLspClient.Canonical(expectedIdJson))
            throw new XunitException($"reply id {id}, expected {expectedIdJson}{Where()}");
        var hasResult = reply.ContainsKey("result");
        var hasError = reply.ContainsKey("error");
        if (hasResult == hasError)
            throw new XunitException($"a reply must have exactly one of result and error{Where()}");
        if (hasError)
            AssertProperError(reply, context);
    }

    public static void AssertProperError(JsonObject reply, string context)
    {
        var text = reply.ToJsonString();
        string Where() => $"\ncontext: {context}\nreply: {RawLspClient.Truncate(text, 2000)}";
        if (reply["error"] is not JsonObject error)
            throw new XunitException($"error is not an object{Where()}");
        if (error["code"] is not JsonValue code || !code.TryGetValue<int>(out _))
            throw new XunitException($"error without an integer code{Where()}");
        if (error["message"] is not JsonValue message || !message.TryGetValue<string>(out var m) || m.Length == 0)
            throw new XunitException($"error without a message{Where()}");
        if (StackTraceLike().IsMatch(error.ToJsonString()))
            throw new XunitException($"stack trace in an error reply{Where()}");
        if (error["data"] is { } data && data.ToJsonString().Contains("Exception", StringComparison.Ordinal))
            throw new XunitException($"exception dump in error.data{Where()}");
    }

    public static int ErrorCode(JsonObject reply) => (int)reply["error"]!["code"]!;

    public static void AssertErrorCode(JsonObject reply, int code, string context)
    {
        if (reply["error"] is null)
            throw new XunitException($"expected error {code}, got a result\ncontext: {context}\nreply: {RawLspClient.Truncate(reply.ToJsonString(), 2000)}");
        AssertProperError(reply, context);
        if (ErrorCode(reply) != code)
            throw new XunitException($"expected error {code}, got {ErrorCode(reply)}\ncontext: {context}\nreply: {RawLspClient.Truncate(reply.ToJsonString(), 2000)}");
    }

    public static JsonNode? Result(JsonObject reply, string context) =>
        reply.ContainsKey("result") ? reply["result"] : throw new XunitException($"expected a result\ncontext: {context}\nreply: {RawLspClient.Truncate(reply.ToJsonString(), 2000)}");
}
