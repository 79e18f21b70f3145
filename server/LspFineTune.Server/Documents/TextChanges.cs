using LspFineTune.Server.Protocol;

namespace LspFineTune.Server.Documents;

/// <summary>Applies didChange content changes in order, each to the result of the previous one (LSP's rule).</summary>
public static class TextChanges
{
    public static string Apply(string text, IEnumerable<TextDocumentContentChangeEvent> changes)
    {
        foreach (var change in changes)
        {
            if (change.Range is not { } range)
            {
                text = change.Text;
                continue;
            }
            var index = new LineIndex(text);
            var start = index.OffsetOf(range.Start);
            var end = index.OffsetOf(range.End);
            if (end < start)
                (start, end) = (end, start);
            text = string.Concat(text.AsSpan(0, start), change.Text, text.AsSpan(end));
        }
        return text;
    }
}
