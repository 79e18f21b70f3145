using LspFineTune.Core.Text;

namespace LspFineTune.Core.Editing;

/// <summary>A document with non-overlapping LSP-style edits (zero-based, end exclusive) applied, last to first so
/// each edit's range still means the original text; edits at the same position appear in the order given (LSP).</summary>
public static class EditedText
{
    public static string Apply(string text, IReadOnlyList<TextEdit> edits)
    {
        var lineStarts = new List<int> { 0 };
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] == '\n')
                lineStarts.Add(i + 1);
        }
        int Offset(TextPosition p) => Math.Min(text.Length, p.Line < lineStarts.Count ? lineStarts[p.Line] + p.Character : text.Length);
        var result = text;
        foreach (var edit in edits.Select((e, i) => (Edit: e, Index: i)).OrderByDescending(e => e.Edit.Range.Start).ThenByDescending(e => e.Index).Select(e => e.Edit))
            result = result[..Offset(edit.Range.Start)] + edit.NewText + result[Offset(edit.Range.End)..];
        return result;
    }
}
