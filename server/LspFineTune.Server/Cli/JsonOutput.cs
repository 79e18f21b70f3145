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
        if (diagnostic.FilePath is { } file)
            json["file"] = Path.GetRelativePath(Directory.GetCurrentDirectory(), file);
        if (diagnostic.Data.Count > 0)
            json["data"] = new JsonObject(diagnostic.Data.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)p.Value)));
        return json;
    }

    /// <summary>Every file read for a config: the config itself, then its companions (a preset is named, with no path).</summary>
    public static JsonArray Files(string file, Core.ConfigAnalysis analysis) => new(
    [
        new JsonObject { ["path"] = file, ["role"] = "config" },
        .. analysis.Companions.Select(c => (JsonNode)new JsonObject
        {
            ["path"] = c.IsPreset ? null : Path.GetRelativePath(Directory.GetCurrentDirectory(), c.Path),
            ["role"] = "companion",
            ["dialect"] = c.DialectId,
            ["preset"] = c.IsPreset ? c.Path : null,
        }),
    ]);

    public static JsonArray Diagnostics(IEnumerable<Diagnostic> diagnostics) => new(diagnostics.Select(d => (JsonNode)Diagnostic(d)).ToArray());

    /// <summary>An edit, naming its file (a fix may edit a companion DeepSpeed JSON or create one).</summary>
    public static JsonObject Edit(TextEdit edit, string file, bool createsFile = false) => new()
    {
        ["file"] = file,
        ["creates_file"] = createsFile,
        ["line"] = edit.Range.Start.Line + 1,
        ["column"] = edit.Range.Start.Character + 1,
        ["end_line"] = edit.Range.End.Line + 1,
        ["end_column"] = edit.Range.End.Character + 1,
        ["new_text"] = edit.NewText,
    };

    public static void Write(TextWriter writer, JsonNode node) => writer.WriteLine(node.ToJsonString(Indented));
}
