namespace LspFineTune.Core.Diagnostics;

/// <summary>Severities numbered as LSP numbers them, so the server maps them one to one.</summary>
public enum DiagnosticSeverity
{
    Error = 1,
    Warning = 2,
    Information = 3,
    Hint = 4,
}
