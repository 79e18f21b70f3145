using LspFineTune.Core.Text;

namespace LspFineTune.Core.Diagnostics;

/// <summary>Another place in the document that explains a diagnostic (e.g. the keys that drive an OOM).</summary>
public sealed record RelatedLocation(TextRange Range, string Message);

/// <summary>
/// One finding about a document: what is wrong (message), where (range), how bad (severity) and a stable code.
/// <see cref="Data"/> carries what a quick fix needs (e.g. the suggested key), as plain strings.
/// </summary>
public sealed record Diagnostic(string Code, DiagnosticSeverity Severity, string Message, TextRange Range)
{
    public IReadOnlyList<RelatedLocation> Related { get; init; } = [];

    public IReadOnlyDictionary<string, string> Data { get; init; } = new Dictionary<string, string>();

    public static Diagnostic Error(string code, string message, TextRange range) =>
        new(code, DiagnosticSeverity.Error, message, range);

    public static Diagnostic Warning(string code, string message, TextRange range) =>
        new(code, DiagnosticSeverity.Warning, message, range);
}
