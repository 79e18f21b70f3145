using LspFineTune.Core.Diagnostics;
using LspFineTune.Core.Schema;
using LspFineTune.Core.Syntax;

namespace LspFineTune.Core.Dialects.LlamaFactory;

/// <summary>
/// One LLaMA-Factory layout's schema (<c>schemas/llamafactory.schema.json</c>, <c>llamafactory-v1.schema.json</c>) and
/// how its findings are reviewed: both layouts parse with HfArgumentParser.parse_dict, which refuses a key its
/// dataclasses lack (unless an environment variable allows extras) and does not check types, so a list is accepted
/// where LLaMA-Factory splits a comma string itself.
/// </summary>
internal sealed class LlamaFactorySchema(string dialectId, string framework, string unknownKeyRefusal, IReadOnlyList<string> listOrCommaString)
{
    private readonly Lazy<SchemaValidator?> _validator = new(() => SchemaResources.Validator(dialectId));
    private readonly Lazy<SchemaDocumentation?> _documentation = new(() => SchemaResources.Documentation(dialectId));
    private readonly Lazy<KeyAnnotations> _annotations = new(() => SchemaResources.Text(dialectId) is { } text ? KeyAnnotations.FromJson(text) : KeyAnnotations.Empty);

    public SchemaValidator? Validator => _validator.Value;

    public SchemaDocumentation? Documentation => _documentation.Value;

    public IReadOnlyList<Diagnostic> Review(DocumentContext document, IReadOnlyList<Diagnostic> findings)
    {
        var root = document.Tree.RootMapping;
        var lists = listOrCommaString.Select(k => root?.Find(k))
            .Where(p => p?.Value is SequenceNode sequence && sequence.Items.All(i => i is ScalarNode))
            .Select(p => p!.Value.Range)
            .ToList();
        var kept = findings.Where(f => !(f.Code == DiagnosticCodes.WrongType && lists.Any(r => r.Contains(f.Range.Start)))).ToList();
        return SchemaFindingsReview.Review(document, kept, _annotations.Value, framework, unknownKeys: UnknownKeyPolicy.Refused)
            .Select(d => d.Code == DiagnosticCodes.UnknownKey && d.Severity == DiagnosticSeverity.Error ? d with { Message = d.Message + " " + unknownKeyRefusal } : d)
            .ToList();
    }
}
