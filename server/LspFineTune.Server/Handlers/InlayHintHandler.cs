using LspFineTune.Core.Syntax;
using LspFineTune.Server.Presentation;
using LspFineTune.Server.Protocol;
using StreamJsonRpc;

namespace LspFineTune.Server.Handlers;

/// <summary>
/// textDocument/inlayHint: each memory term's size at the end of the line of the key that drives it (activations at
/// <c>micro_batch_size</c>, optimizer states at <c>optimizer.type</c>, ...) and the per-GPU total at the end of the
/// first line. A term none of whose keys is written goes to the top line with the total.
/// </summary>
public sealed class InlayHintHandler(DocumentRequests requests)
{
    private const string Method = "textDocument/inlayHint";

    [JsonRpcMethod(Method, UseSingleObjectParameterDeserialization = true)]
    public async Task<IReadOnlyList<InlayHint>> InlayHints(InlayHintParams? parameters = null, CancellationToken cancellationToken = default)
    {
        if (await requests.AnalyzedAsync(Method, parameters?.TextDocument, cancellationToken).ConfigureAwait(false) is not { Analysis.Estimate: { } estimate } document)
            return [];
        var (snapshot, analysis) = document;
        var binary = requests.BinaryUnits;
        var memory = estimate.Memory;
        var labelsByLine = new SortedDictionary<int, List<string>>();
        var unplaced = new List<string>();
        foreach (var term in memory.Terms.Where(t => t.Bytes > 0))
        {
            var label = $"{EstimateMarkdown.Label(term.Name)} {EstimateMarkdown.Size(term.Bytes, binary)}";
            var driver = term.DrivenBy.Select(analysis.Provenance.Driver).FirstOrDefault(p => p is not null);
            if (driver is null)
                unplaced.Add(label);
            else
                Add(labelsByLine, driver.Key.Range.Start.Line, label);
        }

        var verdict = memory.Fits ? "fits" : "OUT OF MEMORY";
        var total = $"peak {EstimateMarkdown.Size(memory.PeakBytes, binary)} / {EstimateMarkdown.Size(memory.UsableBytes, binary)} {EstimateMarkdown.Per(estimate.Plan.Hardware.Gpu)}, {verdict}";
        var top = labelsByLine.TryGetValue(0, out var onFirstLine) ? onFirstLine : [];
        top.InsertRange(0, [total, .. unplaced]);
        labelsByLine[0] = top;
        var breakdown = EstimateMarkdown.Breakdown(estimate, binary);
        var hints = labelsByLine
            .Select(l => Hint(snapshot.Lines, l.Key, string.Join(" · ", l.Value), l.Key == 0 ? breakdown : null))
            .ToList();

        var range = parameters!.Range;
        return range is null ? hints : hints.Where(h => h.Position.Line >= range.Start.Line && h.Position.Line <= range.End.Line).ToList();
    }

    private static void Add(SortedDictionary<int, List<string>> labelsByLine, int line, string label)
    {
        if (!labelsByLine.TryGetValue(line, out var labels))
            labelsByLine[line] = labels = [];
        labels.Add(label);
    }

    private static InlayHint Hint(Documents.LineIndex lines, int line, string label, string? tooltip) => new()
    {
        Position = new Position(line, lines.LineLength(line)),
        Label = label,
        PaddingLeft = true,
        Tooltip = tooltip is null ? null : new MarkupContent(MarkupKind.Markdown, tooltip),
    };
}
