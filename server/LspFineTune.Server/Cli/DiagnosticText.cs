using LspFineTune.Core.Diagnostics;

namespace LspFineTune.Server.Cli;

/// <summary>Diagnostics as `file:line:col: severity code: message`, lines and columns 1-based (CONFIG.md).</summary>
public static class DiagnosticText
{
    public static string Format(string file, Diagnostic diagnostic) =>
        $"{file}:{diagnostic.Range.Start.Line + 1}:{diagnostic.Range.Start.Character + 1}: {SeverityName(diagnostic.Severity)} {diagnostic.Code}: {diagnostic.Message}";

    /// <summary>The file a diagnostic is in: the config, or the companion file it names (a DeepSpeed JSON).</summary>
    public static string FileOf(string file, Diagnostic diagnostic) =>
        diagnostic.FilePath is { } companion ? Path.GetRelativePath(Directory.GetCurrentDirectory(), companion) : file;

    public static string SeverityName(DiagnosticSeverity severity) => severity switch
    {
        DiagnosticSeverity.Error => "error",
        DiagnosticSeverity.Warning => "warning",
        DiagnosticSeverity.Information => "info",
        _ => "hint",
    };
}
