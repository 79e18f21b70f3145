using LspFineTune.Core;
using LspFineTune.Server.Documents;
using LspFineTune.Server.Hosting;
using LspFineTune.Server.Protocol;

namespace LspFineTune.Server.Handlers;

/// <summary>A document version and what the pipeline found in it.</summary>
public sealed record AnalyzedDocument(DocumentSnapshot Snapshot, ConfigAnalysis Analysis);

/// <summary>
/// The start of every document request: the session must be running, the params must name a document, and the
/// answer comes from the latest snapshot. Unknown documents get an empty answer (logged): editors ask about files
/// they never opened, and an error would only add noise.
/// </summary>
public sealed class DocumentRequests(ServerSession session, DocumentStore store, ServerLog log)
{
    public ServerSession Session => session;

    public bool BinaryUnits => session.Settings.BinaryUnits;

    public DocumentSnapshot? Snapshot(string method, TextDocumentIdentifier? document)
    {
        session.EnsureRunning(method);
        if (document?.Uri is not { Length: > 0 } uri)
            throw LspException.InvalidParams($"{method}: params.textDocument.uri is missing; name the document the request is about.");
        var snapshot = store.Get(uri);
        if (snapshot is null)
            log.Write($"{method} for {uri}, which is not open: empty result");
        return snapshot;
    }

    /// <summary>
    /// The latest snapshot and its analysis; null for a document that is not open, or that no dialect claims (a YAML
    /// or JSON file that is not a fine-tuning config gets nothing from this server, so other extensions own it).
    /// </summary>
    public async Task<AnalyzedDocument?> AnalyzedAsync(string method, TextDocumentIdentifier? document, CancellationToken cancellationToken)
    {
        var snapshot = Snapshot(method, document);
        if (snapshot is null)
            return null;
        var analysis = await snapshot.GetAnalysisAsync(cancellationToken).ConfigureAwait(false);
        return analysis.IsClaimed ? new AnalyzedDocument(snapshot, analysis) : null;
    }

    public static Position RequirePosition(string method, Position? position) =>
        position ?? throw LspException.InvalidParams($"{method}: params.position is missing.");
}
