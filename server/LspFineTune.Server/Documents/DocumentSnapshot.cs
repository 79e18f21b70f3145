using LspFineTune.Core;
using LspFineTune.Core.Advice;
using LspFineTune.Core.Syntax;

namespace LspFineTune.Server.Documents;

/// <summary>
/// One version of an open document and, computed at most once on first use, its analysis under the settings in force
/// when the version was made. Immutable, so any handler on any thread can read it while newer versions arrive.
/// </summary>
public sealed class DocumentSnapshot
{
    private readonly Lazy<ConfigAnalysis> _analysis;
    private readonly Lazy<IReadOnlyList<Fix>> _quickFixes;
    private readonly Lazy<PlanSearchResult?> _fastestPlan;
    private readonly Lazy<LineIndex> _lines;

    public DocumentSnapshot(string uri, int version, string text, AnalysisOptions options)
    {
        Uri = uri;
        Version = version;
        Text = text;
        FilePath = DocumentUris.ToFilePath(uri);
        Options = options with
        {
            Format = options.Format ?? DocumentUris.FormatOf(uri),
            Binding = options.Binding with { DocumentPath = FilePath },
        };
        _analysis = new Lazy<ConfigAnalysis>(
            () => ConfigAnalyzer.Analyze(Text, Options),
            LazyThreadSafetyMode.ExecutionAndPublication);
        _lines = new Lazy<LineIndex>(() => new LineIndex(Text), LazyThreadSafetyMode.ExecutionAndPublication);
        _quickFixes = new Lazy<IReadOnlyList<Fix>>(() => _analysis.Value.Estimate is { } estimate ? Core.Advice.QuickFixes.For(estimate, Options.BinaryUnits, _analysis.Value.SaverOptions) : [], LazyThreadSafetyMode.ExecutionAndPublication);
        _fastestPlan = new Lazy<PlanSearchResult?>(() => _analysis.Value.FindFastestPlan(Options.BinaryUnits), LazyThreadSafetyMode.ExecutionAndPublication);
    }

    public string Uri { get; }

    public int Version { get; }

    public string Text { get; }

    /// <summary>The local path of a file: URI, used to resolve <c>model.path</c> and <c>data.train</c>; null for untitled documents.</summary>
    public string? FilePath { get; }

    public AnalysisOptions Options { get; }

    public LineIndex Lines => _lines.Value;

    public bool IsAnalyzed => _analysis.IsValueCreated;

    /// <summary>
    /// Parse, validate, bind, estimate and find, once per version; runs on the thread pool, not the message loop. A
    /// document over <see cref="ConfigAnalyzer.MaxConfigCharacters"/> is not analysed: its analysis is one diagnostic.
    /// </summary>
    public Task<ConfigAnalysis> GetAnalysisAsync(CancellationToken cancellationToken) =>
        _analysis.IsValueCreated ? Task.FromResult(_analysis.Value) : Task.Run(() => _analysis.Value, cancellationToken);

    /// <summary>The single-change fixes of this version, estimated once (the light bulb asks on every cursor move).</summary>
    public IReadOnlyList<Fix> QuickFixes => _quickFixes.Value;

    /// <summary>The plan search of this version (up to a few hundred estimates), run once and shared by code actions and lft.plan.</summary>
    public PlanSearchResult? FastestPlan => _fastestPlan.Value;

    public DocumentSnapshot WithOptions(AnalysisOptions options) => new(Uri, Version, Text, options);

    public DocumentFormat Format => Options.Format ?? DocumentFormat.Yaml;
}
