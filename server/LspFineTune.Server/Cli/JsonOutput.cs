using System.Text.Json;
using System.Text.Json.Nodes;
using LspFineTune.Core.Diagnostics;
using LspFineTune.Core.Editing;

namespace LspFineTune.Server.Cli;

/// <summary>JSON building blocks shared by the verbs' --json outputs.</summary>
public static class JsonOutput
{
    public static readonly JsonSerializerOptions Indented = new() { WriteIndented = true };

    public static JsonObject Diagnostic(Diagnostic diagnostic)
    {
        var json = new JsonObject
        {
            ["severity"] = DiagnosticText.SeverityName(diagnostic.Severity),
            ["code"] = diagnostic.Code,
            ["message"] = diagnostic.Message,
            ["line"] = diagnostic.Range.Start.Line + 1,
            ["column"] = diagnostic.Range.Start.Character + 1,
            ["end_line"] = diagnostic.Range.End.Line + 1,
            ["end_column"] = diagnostic.Range.End.Character + 1,
        };
        if (diagnostic.Data.Count > 0)
            json["data"] = new JsonObject(diagnostic.Data.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)p.Value)));
        return json;
    }

    public static JsonArray Diagnostics(IEnumerable<Diagnostic> diagnostics) => new(diagnostics.Select(d => (JsonNode)Diagnostic(d)).ToArray());

    public static JsonObject Edit(TextEdit edit) => new()
    {
        ["line"] = edit.Range.Start.Line + 1,
        ["column"] = edit.Range.Start.Character + 1,
        ["end_line"] = edit.Range.End.Line + 1,
        ["end_column"] = edit.Range.End.Character + 1,
        ["new_text"] = edit.NewText,
    };

    public static void Write(TextWriter writer, JsonNode node) => writer.WriteLine(node.ToJsonString(Indented));
}
