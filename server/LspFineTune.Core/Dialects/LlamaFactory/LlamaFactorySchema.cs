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
    private readonly DialectSchemaResource _schema = new(dialectId);

    public SchemaValidator? Validator => _schema.Validator;

    public SchemaDocumentation? Documentation => _schema.Documentation;

    public IReadOnlyList<Diagnostic> Review(DocumentContext document, IReadOnlyList<Diagnostic> findings)
    {
        var root = document.Tree.RootMapping;
        var lists = listOrCommaString.Select(k => root?.Find(k))
            .Where(p => p?.Value is SequenceNode sequence && sequence.Items.All(i => i is ScalarNode))
            .Select(p => p!.Value.Range)
            .ToList();
        var kept = findings.Where(f => !(f.Code == DiagnosticCodes.WrongType && lists.Any(r => r.Contains(f.Range.Start)))).ToList();
        return SchemaFindingsReview.Review(document, kept, _schema.Annotations, framework, unknownKeys: UnknownKeyPolicy.Refused)
            .Select(d => d.Code == DiagnosticCodes.UnknownKey && d.Severity == DiagnosticSeverity.Error ? d with { Message = d.Message + " " + unknownKeyRefusal } : d)
            .ToList();
    }
}
