using LspFineTune.Core.Diagnostics;
using LspFineTune.Core.Dialects;
using LspFineTune.Core.Estimation;
using LspFineTune.Core.Planning;
using LspFineTune.Core.Syntax;

namespace LspFineTune.Core;

/// <summary>Options every front end passes to the pipeline.</summary>
public sealed record AnalysisOptions
{
    public BindingOptions Binding { get; init; } = new();

    /// <summary>Whether to validate against the dialect's JSON Schema (the editor can turn it off).</summary>
    public bool ValidateSchema { get; init; } = true;

    /// <summary>The document's format when known from its name; null: detect from the text.</summary>
    public DocumentFormat? Format { get; init; }

    /// <summary>Write sizes in messages in GiB (2^30 bytes) instead of GB (10^9), as the editor's units setting asks.</summary>
    public bool BinaryUnits { get; init; }

    /// <summary>A dialect id that overrides detection (<c>--dialect</c>); null: detect.</summary>
    public string? Dialect { get; init; }

    /// <summary>The editor's <c>lft.dialects</c> globs.</summary>
    public IReadOnlyList<DialectAssociation> DialectAssociations { get; init; } = [];
}

/// <summary>
/// Everything the pipeline knows about one version of a document. <see cref="Match"/> is null when no dialect claims
/// the document: then it is not a fine-tuning config and gets no diagnostics at all.
/// </summary>
public sealed record ConfigAnalysis(ConfigSyntaxTree Tree, DialectMatch? Match, DialectBinding? Binding, Estimate? Estimate, IReadOnlyList<Diagnostic> Diagnostics)
{
    public IConfigDialect? Dialect => Match?.Dialect;

    public TrainingPlan? Plan => Binding?.Plan;

    public PlanProvenance Provenance => Binding?.Provenance ?? PlanProvenance.Empty;

    public bool IsClaimed => Match is not null;

    /// <summary>The documentation of this document's keys (its dialect's, for this binding), for hover and completion.</summary>
    public Schema.SchemaDocumentation? Documentation => Dialect is { } dialect ? Binding is { } binding ? dialect.DocumentationFor(binding) : dialect.Documentation : null;

    public bool HasErrors => Diagnostics.Any(d => d.Severity == DiagnosticSeverity.Error);

    /// <summary>Plan changes as edits in the document's dialect (possibly in companion files); empty when unclaimed.</summary>
    public IReadOnlyList<FileEdit> Write(IReadOnlyList<PlanChange> changes) =>
        Dialect is { } dialect && Binding is { } binding ? dialect.Write(binding, changes) : [];

    /// <summary>The fastest plan that fits, among the plans this document's dialect can write (a few hundred estimates).</summary>
    public Advice.PlanSearchResult? FindFastestPlan(bool binaryUnits = false) =>
        Estimate is { } estimate && Dialect is { } dialect && Binding is { } binding
            ? Advice.PlanSearch.FindFastestThatFits(estimate, binaryUnits, dialect.Unwritable(binding), dialect.SaverOptions(binding))
            : null;

    /// <summary>The memory savers this document's dialect can switch on (for quick fixes and the plan search).</summary>
    public IReadOnlyList<PlanChange> SaverOptions =>
        Dialect is { } dialect && Binding is { } binding && binding.Plan is not null ? dialect.SaverOptions(binding) : [];

    /// <summary>The files read besides the document: companion files the config names.</summary>
    public IReadOnlyList<CompanionFile> Companions => Binding?.Companions ?? [];
}
