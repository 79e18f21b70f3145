using LspFineTune.Core.Editing;
using LspFineTune.Core.Syntax;
using LspFineTune.Core.Text;

namespace LspFineTune.Core.Dialects;

/// <summary>
/// Records hardware in the <c># lft:</c> modeline, for the formats that have no key for it: updates the words of an
/// existing modeline in place, or adds <c># lft: gpu=... gpus_per_node=...</c> as the first line. JSON has no
/// comments, so a JSON document gets no edit (its hardware comes from flags and settings).
/// </summary>
public static class ModelineWriter
{
    public static IReadOnlyList<FileEdit> SetHardware(DocumentContext document, string gpuId, int? gpusPerNode)
    {
        if (document.Tree.Format == DocumentFormat.Json)
            return [];
        var modeline = document.Modeline;
        var words = new List<(string Name, string Value)> { ("gpu", gpuId) };
        if (gpusPerNode is { } count)
            words.Add(("gpus_per_node", count.ToString(System.Globalization.CultureInfo.InvariantCulture)));
        if (modeline.Line is not { } line)
        {
            var text = "# lft: " + string.Join(' ', words.Select(w => $"{w.Name}={w.Value}")) + Newline(document.Text);
            return [new FileEdit(null, [new TextEdit(TextRange.At(0, 0), text)])];
        }
        var edits = new List<TextEdit>();
        var lines = new LineMap(document.Text);
        var lineEnd = lines.LineContentEnd(line, document.Text) - lines.LineStart(line);
        foreach (var (name, value) in words)
        {
            if (modeline.Ranges.TryGetValue(name, out var range))
                edits.Add(new TextEdit(range, $"{name}={value}"));
            else
                edits.Add(new TextEdit(TextRange.At(line, lineEnd), $" {name}={value}"));
        }
        return [new FileEdit(null, edits)];
    }

    private static string Newline(string text) => text.Contains("\r\n", StringComparison.Ordinal) ? "\r\n" : "\n";
}
