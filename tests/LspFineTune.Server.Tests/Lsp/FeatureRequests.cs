using System.Text.Json.Nodes;

namespace LspFineTune.Server.Tests.Lsp;

/// <summary>Short builders for the request params the feature tests send.</summary>
public static class FeatureRequests
{
    public static JsonObject Document(string uri) => new() { ["textDocument"] = new JsonObject { ["uri"] = uri } };

    public static JsonObject At(string uri, JsonNode position) => new()
    {
        ["textDocument"] = new JsonObject { ["uri"] = uri },
        ["position"] = position.DeepClone(),
    };

    public static JsonObject Range(string uri, JsonNode start, JsonNode end, JsonNode? context = null) => new()
    {
        ["textDocument"] = new JsonObject { ["uri"] = uri },
        ["range"] = new JsonObject { ["start"] = start.DeepClone(), ["end"] = end.DeepClone() },
        ["context"] = context ?? new JsonObject { ["diagnostics"] = new JsonArray() },
    };

    public static JsonObject Lines(int first, int last) => new()
    {
        ["start"] = new JsonObject { ["line"] = first, ["character"] = 0 },
        ["end"] = new JsonObject { ["line"] = last, ["character"] = 0 },
    };

    public static async Task<string> HoverTextAsync(LspTestClient client, string uri, string needle, int shift = 0)
    {
        var hover = await client.RequestAsync("textDocument/hover", At(uri, LspTestClient.PositionOf(client.Text(uri), needle, shift)));
        Assert.NotNull(hover);
        Assert.Equal("markdown", (string)hover!["contents"]!["kind"]!);
        return (string)hover["contents"]!["value"]!;
    }
}
