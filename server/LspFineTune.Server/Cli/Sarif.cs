using System.Text.Json.Nodes;
using LspFineTune.Core;
using LspFineTune.Core.Diagnostics;

namespace LspFineTune.Server.Cli;

/// <summary>SARIF 2.1.0 (OASIS) for CI code-scanning uploads: one run, one result per diagnostic.</summary>
public static class Sarif
{
    public static JsonObject Log(IEnumerable<(string File, ConfigAnalysis Analysis)> results) => new()
    {
        ["$schema"] = "https://json.schemastore.org/sarif-2.1.0.json",
        ["version"] = "2.1.0",
        ["runs"] = new JsonArray(new JsonObject
        {
            ["tool"] = new JsonObject { ["driver"] = new JsonObject { ["name"] = "lft", ["informationUri"] = "https://github.com/lspfinetune/lspfinetune" } },
            ["results"] = new JsonArray(results.SelectMany(r => r.Analysis.Diagnostics.Select(d => (JsonNode)Result(r.File, d))).ToArray()),
        }),
    };

    private static JsonObject Result(string file, Diagnostic diagnostic) => new()
    {
        ["ruleId"] = diagnostic.Code,
        ["level"] = diagnostic.Severity switch
        {
            DiagnosticSeverity.Error => "error",
            DiagnosticSeverity.Warning => "warning",
            _ => "note",
        },
        ["message"] = new JsonObject { ["text"] = diagnostic.Message },
        ["locations"] = new JsonArray(new JsonObject
        {
            ["physicalLocation"] = new JsonObject
            {
                ["artifactLocation"] = new JsonObject { ["uri"] = file.Replace('\\', '/') },
                ["region"] = new JsonObject
                {
                    ["startLine"] = diagnostic.Range.Start.Line + 1,
                    ["startColumn"] = diagnostic.Range.Start.Character + 1,
                    ["endLine"] = diagnostic.Range.End.Line + 1,
                    ["endColumn"] = diagnostic.Range.End.Character + 1,
                },
            },
        }),
    };
}
