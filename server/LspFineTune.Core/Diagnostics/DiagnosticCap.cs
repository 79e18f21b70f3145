using LspFineTune.Core.Text;

namespace LspFineTune.Core.Diagnostics;

/// <summary>
/// At most <see cref="Max"/> diagnostics per document, in document order, then one that says how many more there are.
/// A document with thousands of problems (a dataset pasted into a config) is not edited problem by problem, and
/// neither the editor nor the JSON-RPC message carrying them should hold a list nobody reads. Stages that pay per
/// problem (the schema's did-you-mean) stop describing at the cap and leave a summary that this one absorbs.
/// </summary>
public static class DiagnosticCap
{
    public const int Max = 1_000;

    /// <summary>The <see cref="Diagnostic.Data"/> key of a summary: how many problems it stands for.</summary>
    public const string NotListedKey = "not_listed";

    /// <summary>The <see cref="Diagnostic.Data"/> key of a stage's summary whose problems are all of one code: they
    /// take the severity the dialect gave the listed ones of that code (unknown keys are errors in one, warnings in another).</summary>
    public const string AllOfCodeKey = "all_of_code";

    /// <summary>"N more problems ... are not listed"; an error when any of them may be one, so the document still counts
    /// as having errors (the CLI's exit code, the Train command's refusal).</summary>
    public static Diagnostic Summary(long notListed, bool mayHoldErrors, TextRange at, string? allOfCode = null)
    {
        var data = new Dictionary<string, string> { [NotListedKey] = notListed.ToString(System.Globalization.CultureInfo.InvariantCulture) };
        if (allOfCode is not null)
            data[AllOfCodeKey] = allOfCode;
        return new(DiagnosticCodes.SchemaViolation, mayHoldErrors ? DiagnosticSeverity.Error : DiagnosticSeverity.Warning,
            $"{notListed:N0} more problems from here on are not listed; fix the {Max:N0} above first.", at) { Data = data };
    }

    /// <summary>The first <see cref="Max"/> of <paramref name="ordered"/> and one summary for the rest and for any
    /// summaries a stage left.</summary>
    public static IReadOnlyList<Diagnostic> Apply(IReadOnlyList<Diagnostic> ordered)
    {
        var summaries = ordered.Where(IsSummary).ToList();
        var listed = ordered.Where(d => !IsSummary(d)).ToList();
        if (summaries.Count == 0 && listed.Count <= Max)
            return ordered;
        var rest = listed.Skip(Max).ToList();
        var notListed = rest.Count + summaries.Sum(s => long.Parse(s.Data[NotListedKey], System.Globalization.CultureInfo.InvariantCulture));
        var mayHoldErrors = rest.Any(d => d.Severity == DiagnosticSeverity.Error) || summaries.Any(s => s.Data.TryGetValue(AllOfCodeKey, out var code)
            ? listed.Any(d => d.Code == code && d.Severity == DiagnosticSeverity.Error)
            : s.Severity == DiagnosticSeverity.Error);
        var at = rest.FirstOrDefault(d => d.FilePath is null)?.Range ?? summaries.FirstOrDefault()?.Range ?? listed[^1].Range;
        return [.. listed.Take(Max), Summary(notListed, mayHoldErrors, at)];
    }

    private static bool IsSummary(Diagnostic diagnostic) => diagnostic.Data.ContainsKey(NotListedKey);
}
