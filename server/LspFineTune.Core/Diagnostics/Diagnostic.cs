using LspFineTune.Core.Dialects;
using LspFineTune.Core.Text;

namespace LspFineTune.Core.Diagnostics;

/// <summary>Another place that explains a diagnostic (e.g. the keys that drive an OOM): in the document, or in the
/// companion file <see cref="FilePath"/>.</summary>
public sealed record RelatedLocation(TextRange Range, string Message)
{
    public string? FilePath { get; init; }
}

/// <summary>
/// One finding about a document: what is wrong (message), where (range), how bad (severity) and a stable code.
/// <see cref="Data"/> is extra facts for clients (the suggested key, peak bytes) as plain strings; <see cref="Fixes"/>
/// are the typed fixes made with the finding. <see cref="FilePath"/> names the companion file the diagnostic is in
/// (null: the document itself).
/// </summary>
public sealed record Diagnostic(string Code, DiagnosticSeverity Severity, string Message, TextRange Range)
{
    public IReadOnlyList<RelatedLocation> Related { get; init; } = [];

    public IReadOnlyDictionary<string, string> Data { get; init; } = new Dictionary<string, string>();

    public IReadOnlyList<CodeFix> Fixes { get; init; } = [];

    public string? FilePath { get; init; }

    public static Diagnostic Error(string code, string message, TextRange range) =>
        new(code, DiagnosticSeverity.Error, message, range);

    public static Diagnostic Warning(string code, string message, TextRange range) =>
        new(code, DiagnosticSeverity.Warning, message, range);
}
