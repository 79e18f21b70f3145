using LspFineTune.Core;
using LspFineTune.Server.Handlers;
using LspFineTune.Server.Protocol;
using CoreDiagnostic = LspFineTune.Core.Diagnostics.Diagnostic;

namespace LspFineTune.Server.Documents;

/// <summary>
/// The diagnostics published for a document: its own findings (a companion file's belong to that file), at most
/// <see cref="MaxPerDocument"/> of them. Nobody reads past the first screenful, while each one costs the editor memory and
/// the message grows by about 400 bytes (100,000 unknown keys made a 42 MB publishDiagnostics). Past the limit the
/// most severe are kept, in document order, and a last diagnostic on the first line says how many more there are, so
/// the count is never silently wrong.
/// </summary>
public static class PublishedDiagnostics
{
    // Core's analysis already ends at its cap with one summary (DiagnosticCap): that list passes unchanged, and only
    // what the server adds on top of it is cut here.
    public const int MaxPerDocument = Core.Diagnostics.DiagnosticCap.Max + 1;

    public static IReadOnlyList<LspDiagnostic> For(ConfigAnalysis analysis, string uri)
    {
        var own = analysis.Diagnostics.Where(d => d.FilePath is null).ToList();
        if (own.Count <= MaxPerDocument)
            return own.Select(d => ProtocolConversions.ToDiagnostic(d, uri)).ToList();

        var kept = MostSevere(own, MaxPerDocument - 1);
        var omitted = own.Where(d => !kept.Contains(d)).ToList();
        var published = own.Where(kept.Contains).Select(d => ProtocolConversions.ToDiagnostic(d, uri)).ToList();
        published.Add(new LspDiagnostic
        {
            Range = new LspRange(new Position(0, 0), new Position(0, 0)),
            Severity = (int)omitted.Min(d => d.Severity),
            Source = ProtocolConversions.Source,
            Message = $"{omitted.Count:N0} more problems in this document are not listed: the server lists {MaxPerDocument - 1:N0} of "
                + $"{own.Count:N0}, the most severe first. Fix those to see the rest.",
        });
        return published;
    }

    /// <summary>The <paramref name="count"/> most severe, ties broken by document order; linear in the number of diagnostics.</summary>
    private static HashSet<CoreDiagnostic> MostSevere(IReadOnlyList<CoreDiagnostic> diagnostics, int count)
    {
        var kept = new HashSet<CoreDiagnostic>(ReferenceEqualityComparer.Instance);
        foreach (var severity in diagnostics.Select(d => d.Severity).Distinct().Order())
        {
            foreach (var diagnostic in diagnostics.Where(d => d.Severity == severity))
            {
                if (kept.Count == count)
                    return kept;
                kept.Add(diagnostic);
            }
        }
        return kept;
    }
}
