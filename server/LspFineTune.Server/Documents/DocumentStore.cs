using LspFineTune.Core;

namespace LspFineTune.Server.Documents;

/// <summary>What happened to a didChange, so the sync handler can tell the user about a change it had to drop.</summary>
public enum ChangeOutcome
{
    Applied,
    UnknownDocument,
    StaleVersion,
}

/// <summary>
/// The open documents, latest version of each. Writes come only from the ordered didOpen/didChange/didClose stream
/// (the host runs notifications one at a time, in arrival order); reads take a snapshot and may run on any thread.
/// </summary>
public sealed class DocumentStore
{
    private readonly object _gate = new();
    private readonly Dictionary<string, DocumentSnapshot> _documents = new(StringComparer.Ordinal);
    private AnalysisOptions _options;

    public DocumentStore() => _options = WithOpenFiles(new AnalysisOptions());

    public AnalysisOptions Options
    {
        get { lock (_gate) return _options; }
    }

    /// <summary>Files besides a document are read through the open buffers first, then from disk.</summary>
    private AnalysisOptions WithOpenFiles(AnalysisOptions options) =>
        options with { Binding = options.Binding with { Files = new OpenDocumentFiles(OpenByPath) } };

    private DocumentSnapshot? OpenByPath(string path)
    {
        lock (_gate)
            return _documents.Values.FirstOrDefault(d => string.Equals(d.FilePath, path, StringComparison.Ordinal));
    }

    /// <summary>
    /// After a document changed (or opened, or closed), the analysed documents that read it as a companion file (an
    /// axolotl config naming this DeepSpeed JSON) get a new snapshot, so their estimate follows the edit.
    /// </summary>
    public IReadOnlyList<DocumentSnapshot> RefreshReferrers(string uri)
    {
        if (DocumentUris.ToFilePath(uri) is not { } path)
            return [];
        lock (_gate)
        {
            var referrers = _documents.Values
                .Where(d => d.Uri != uri && d.IsAnalyzed && d.GetAnalysisAsync(CancellationToken.None).Result.Companions.Any(c => string.Equals(c.Path, path, StringComparison.Ordinal)))
                .ToList();
            foreach (var referrer in referrers)
                _documents[referrer.Uri] = referrer.WithOptions(_options);
            return referrers.Select(r => _documents[r.Uri]).ToList();
        }
    }

    public DocumentSnapshot Open(string uri, int version, string text)
    {
        lock (_gate)
        {
            var snapshot = new DocumentSnapshot(uri, version, text, _options);
            _documents[uri] = snapshot;
            return snapshot;
        }
    }

    /// <summary>
    /// Applies changes made at <paramref name="version"/>. A version not above the current one is dropped: incremental
    /// edits made against another base would corrupt the text, and versions only increase (LSP 3.17, didChange).
    /// </summary>
    public (ChangeOutcome Outcome, DocumentSnapshot? Snapshot) Change(string uri, int version, Func<string, string> edit)
    {
        lock (_gate)
        {
            if (!_documents.TryGetValue(uri, out var current))
                return (ChangeOutcome.UnknownDocument, null);
            if (version <= current.Version)
                return (ChangeOutcome.StaleVersion, current);
            var snapshot = new DocumentSnapshot(uri, version, edit(current.Text), _options);
            _documents[uri] = snapshot;
            return (ChangeOutcome.Applied, snapshot);
        }
    }

    public bool Close(string uri)
    {
        lock (_gate)
            return _documents.Remove(uri);
    }

    public DocumentSnapshot? Get(string uri)
    {
        lock (_gate)
            return _documents.GetValueOrDefault(uri);
    }

    /// <summary>Whether <paramref name="snapshot"/> is still the latest version (its results are not stale).</summary>
    public bool IsCurrent(DocumentSnapshot snapshot)
    {
        lock (_gate)
            return _documents.TryGetValue(snapshot.Uri, out var current) && ReferenceEquals(current, snapshot);
    }

    /// <summary>New settings: every open document gets a new snapshot analysed under them.</summary>
    public IReadOnlyList<DocumentSnapshot> Reconfigure(AnalysisOptions options)
    {
        lock (_gate)
        {
            _options = WithOpenFiles(options);
            foreach (var uri in _documents.Keys.ToList())
                _documents[uri] = _documents[uri].WithOptions(_options);
            return _documents.Values.ToList();
        }
    }
}
