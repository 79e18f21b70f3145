using LspFineTune.Core.Diagnostics;
using LspFineTune.Core.Estimation;
using LspFineTune.Core.Planning;
using LspFineTune.Core.Syntax;

namespace LspFineTune.Core;

/// <summary>Options every front end passes to the pipeline.</summary>
public sealed record AnalysisOptions
{
    public BindingOptions Binding { get; init; } = new();

    /// <summary>Whether to validate against the JSON Schema (the editor can turn it off).</summary>
    public bool ValidateSchema { get; init; } = true;

    /// <summary>The document's format when known from its name; null: detect from the text.</summary>
    public DocumentFormat? Format { get; init; }

    /// <summary>Write sizes in messages in GiB (2^30 bytes) instead of GB (10^9), as the editor's units setting asks.</summary>
    public bool BinaryUnits { get; init; }
}

/// <summary>Everything the pipeline knows about one version of a document.</summary>
public sealed record ConfigAnalysis(ConfigSyntaxTree Tree, TrainingPlan? Plan, Estimate? Estimate, IReadOnlyList<Diagnostic> Diagnostics)
{
    public bool HasErrors => Diagnostics.Any(d => d.Severity == DiagnosticSeverity.Error);
}
