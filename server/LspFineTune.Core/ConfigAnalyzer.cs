using LspFineTune.Core.Advice;
using LspFineTune.Core.Diagnostics;
using LspFineTune.Core.Estimation;
using LspFineTune.Core.Planning;
using LspFineTune.Core.Schema;
using LspFineTune.Core.Syntax;

namespace LspFineTune.Core;

/// <summary>
/// The pipeline every front end drives: text -> syntax -> schema -> binding -> estimate -> findings.
/// Never throws for any text: each stage turns problems into diagnostics and later stages run on what is usable.
/// </summary>
public static class ConfigAnalyzer
{
    public static ConfigAnalysis Analyze(string text, AnalysisOptions? options = null)
    {
        options ??= new AnalysisOptions();
        var tree = ConfigParser.Parse(text, options.Format);
        var diagnostics = new List<Diagnostic>(tree.Diagnostics);
        if (tree.RootMapping is null)
            return new ConfigAnalysis(tree, null, null, diagnostics);

        if (options.ValidateSchema)
            diagnostics.AddRange(SchemaValidator.Default.Validate(tree));

        var bound = PlanBinder.Bind(tree, options.Binding);
        diagnostics.AddRange(bound.Diagnostics);
        Estimate? estimate = null;
        if (bound.Plan is not null)
        {
            estimate = Estimate.For(bound.Plan);
            diagnostics.AddRange(FindingRules.For(tree, estimate, options.BinaryUnits));
        }
        var ordered = diagnostics
            .OrderBy(d => d.Range.Start)
            .ThenBy(d => d.Severity)
            .ToList();
        return new ConfigAnalysis(tree, bound.Plan, estimate, ordered);
    }

    /// <summary>Reads a config file and analyses it, taking its format from the extension.</summary>
    public static ConfigAnalysis AnalyzeFile(string path, string text, AnalysisOptions? options = null)
    {
        options ??= new AnalysisOptions();
        var format = path.EndsWith(".json", StringComparison.OrdinalIgnoreCase) ? DocumentFormat.Json
            : path.EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || path.EndsWith(".yml", StringComparison.OrdinalIgnoreCase) ? DocumentFormat.Yaml
            : (DocumentFormat?)null;
        return Analyze(text, options with
        {
            Format = options.Format ?? format,
            Binding = options.Binding with { DocumentPath = Path.GetFullPath(path) },
        });
    }
}
