using LspFineTune.Core.Diagnostics;

namespace LspFineTune.Server.Cli;

/// <summary>Diagnostics as `file:line:col: severity code: message`, lines and columns 1-based (CONFIG.md).</summary>
public static class DiagnosticText
{
    public static string Format(string file, Diagnostic diagnostic) =>
        $"{file}:{diagnostic.Range.Start.Line + 1}:{diagnostic.Range.Start.Character + 1}: {SeverityName(diagnostic.Severity)} {diagnostic.Code}: {diagnostic.Message}";

    public static string SeverityName(DiagnosticSeverity severity) => severity switch
    {
        DiagnosticSeverity.Error => "error",
        DiagnosticSeverity.Warning => "warning",
        DiagnosticSeverity.Information => "info",
        _ => "hint",
    };
}
