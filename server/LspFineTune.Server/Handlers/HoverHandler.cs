using System.Text;
using LspFineTune.Core.Advice;
using LspFineTune.Core.Dialects;
using LspFineTune.Core.Files;
using LspFineTune.Core.Runs.History;
using LspFineTune.Core.Schema;
using LspFineTune.Core.Syntax;
using LspFineTune.Core.Tuning;
using LspFineTune.Server.Presentation;
using LspFineTune.Server.Protocol;
using StreamJsonRpc;

namespace LspFineTune.Server.Handlers;

/// <summary>
/// textDocument/hover. On a key (or its value): the schema's description, type, default and allowed values, and for
/// keys that drive the estimate what each other value would do. On <c>model</c> the architecture, on
/// <c>hardware.gpu</c> the GPU. With the estimate, the last measured run of this config (its run history). On the train data's keys the data-size context and the measured data curve. Outside every key (the top of the document): the full breakdown table.
/// </summary>
public sealed class HoverHandler(DocumentRequests requests)
{
    private const string Method = "textDocument/hover";

    [JsonRpcMethod(Method, UseSingleObjectParameterDeserialization = true)]
    public async Task<Hover?> Hover(TextDocumentPositionParams? parameters = null, CancellationToken cancellationToken = default)
    {
        if (await requests.AnalyzedAsync(Method, parameters?.TextDocument, cancellationToken).ConfigureAwait(false) is not (var snapshot, var analysis))
            return null;
        var position = snapshot.Lines.Clamp(DocumentRequests.RequirePosition(Method, parameters!.Position));
        var binary = requests.BinaryUnits;
        var located = SyntaxLocator.PropertyAt(analysis.Tree, ProtocolConversions.ToTextPosition(position));
        var lastRun = snapshot.FilePath is { } file && analysis.Estimate is not null
            ? await Task.Run(() => RunHistory.LastMeasured(AuxiliaryFileCache.Shared, file), cancellationToken).ConfigureAwait(false) is { } run
                ? RunComparison.LastRun(run, snapshot.Text, binary)
                : null
            : null;
        var lastRunLine = lastRun is null ? "" : $"\n\n**{lastRun}** (from .lft/runs.jsonl)";
        if (located is null)
        {
            return analysis.Estimate is { } whole
                ? new Hover(new MarkupContent(MarkupKind.Markdown, EstimateMarkdown.Breakdown(whole, binary) + "\n\n" + EstimateMarkdown.Hardware(whole, analysis.Provenance) + "." + lastRunLine), null)
                : null;
        }

        var text = new StringBuilder();
        text.AppendLine($"### `{located.Path}`");
        var fields = analysis.Provenance.FieldsDrivenBy(located.Property);
        if (analysis.Documentation?.Find(located.Path) is { } key)
            AppendSchema(text, key);
        if (analysis.Estimate is { } estimate && analysis.Dialect is { } dialect)
        {
            var provenance = analysis.Provenance;
            // A section that holds the model's key (native `model:`) describes the model as well.
            var holdsModel = located.Property.Value is MappingNode section && provenance.Written(PlanField.Model) is { } model && section.Properties.Contains(model);
            if (fields.Contains(PlanField.Model) || holdsModel)
                text.AppendLine().AppendLine(EstimateMarkdown.Model(estimate));
            if (fields.Contains(PlanField.Gpu))
                text.AppendLine().AppendLine(EstimateMarkdown.Hardware(estimate, provenance)).AppendLine().AppendLine(EstimateMarkdown.Gpu(estimate.Plan.Hardware.Gpu, binary));
            var effects = fields.SelectMany(field => KeyEffects.For(estimate, field)).ToList();
            if (effects.Count > 0)
            {
                text.AppendLine().AppendLine($"**Effect on the estimate** (now {EstimateMarkdown.Size(estimate.Memory.PeakBytes, binary)} {EstimateMarkdown.Per(estimate.Plan.Hardware.Gpu)}):");
                text.AppendLine();
                foreach (var effect in effects)
                    text.AppendLine($"- {EstimateMarkdown.Effect(effect, dialect.Vocabulary, binary)}");
                if (lastRun is not null)
                    text.AppendLine().AppendLine($"**{lastRun}** (from .lft/runs.jsonl)");
            }
        }
        if (analysis.Binding is { Document.Path: { } configPath, Plan: { } plan }
            && (fields.Contains(PlanField.DataTrain) || fields.Contains(PlanField.NumExamples)))
        {
            var record = await Task.Run(() => DataCurveRecord.Read(AuxiliaryFileCache.Shared, configPath), cancellationToken).ConfigureAwait(false);
            text.AppendLine().AppendLine(DataSizeMarkdown.Section(configPath, plan.Data.NumExamples, record));
        }
        var range = located.OnKey ? located.Property.Key.Range : located.Property.Range;
        return new Hover(new MarkupContent(MarkupKind.Markdown, text.ToString().TrimEnd()), ProtocolConversions.ToRange(range));
    }

    private static void AppendSchema(StringBuilder text, SchemaKeyInfo key)
    {
        if (key.MarkdownDescription is { } description)
            text.AppendLine().AppendLine(description);
        var facts = new List<string>();
        if (key.Types.Count > 0)
            facts.Add($"type: {string.Join(" or ", key.Types)}");
        if (key.Default is not null)
            facts.Add($"default: `{key.Default.ToJsonString()}`");
        if (key.AllowedValues.Count > 0)
            facts.Add($"allowed: {string.Join(", ", key.AllowedValues.Select(v => $"`{v?.ToJsonString().Trim('"') ?? "null"}`"))}");
        if (key.Minimum is { } minimum)
            facts.Add($"minimum: {minimum}");
        if (key.Maximum is { } maximum)
            facts.Add($"maximum: {maximum}");
        if (facts.Count > 0)
            text.AppendLine().AppendLine(string.Join(" · ", facts));
    }
}
