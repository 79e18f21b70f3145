using System.Text.RegularExpressions;
using LspFineTune.Core.Syntax;
using LspFineTune.Server.Documents;
using LspFineTune.Server.Protocol;

namespace LspFineTune.Server.Handlers.Completion;

/// <summary>
/// Where the cursor is, read from the text itself (a half-typed document rarely parses): the section it is in, and
/// whether a key or the value of <see cref="Key"/> is being typed. <see cref="Replace"/> is the partial word to replace.
/// </summary>
public sealed record CompletionContext(string SectionPath, string? Key, LspRange Replace, bool InsideQuotes)
{
    public bool IsValue => Key is not null;

    public string ValuePath => SectionPath.Length == 0 ? Key! : SectionPath + "." + Key;

    public static CompletionContext? For(DocumentSnapshot snapshot, Position position) =>
        snapshot.Format == DocumentFormat.Json ? ForJson(snapshot.Text, snapshot.Lines, position) : ForYaml(snapshot.Lines, position);

    private static readonly Regex YamlValue = new(@"^(?<indent>\s*)(?:-\s+)?(?<key>[A-Za-z_$][\w$-]*)\s*:\s+(?<quote>[""']?)(?<partial>[^\s""'#]*)$", RegexOptions.CultureInvariant);
    private static readonly Regex YamlKey = new(@"^(?<indent>\s*)(?<partial>[A-Za-z_$][\w$-]*)?$", RegexOptions.CultureInvariant);
    private static readonly Regex YamlSection = new(@"^(?<indent>\s*)(?<key>[A-Za-z_$][\w$-]*)\s*:\s*(#.*)?$", RegexOptions.CultureInvariant);

    private static CompletionContext? ForYaml(LineIndex lines, Position position)
    {
        var line = lines.LineText(position.Line);
        var prefix = line[..Math.Min(position.Character, line.Length)];
        if (YamlValue.Match(prefix) is { Success: true } value)
        {
            var partial = value.Groups["partial"];
            return new CompletionContext(SectionAbove(lines, position.Line, value.Groups["indent"].Length), value.Groups["key"].Value,
                Span(position.Line, partial.Index, prefix.Length), value.Groups["quote"].Length > 0);
        }
        if (YamlKey.Match(prefix) is { Success: true } key)
        {
            var partial = key.Groups["partial"];
            var start = partial.Success ? partial.Index : prefix.Length;
            return new CompletionContext(SectionAbove(lines, position.Line, key.Groups["indent"].Length), null, Span(position.Line, start, prefix.Length), false);
        }
        return null;
    }

    /// <summary>The dotted path of the block section a line at <paramref name="indent"/> belongs to, from the headers above it.</summary>
    private static string SectionAbove(LineIndex lines, int line, int indent)
    {
        var path = new List<string>();
        for (var above = line - 1; above >= 0 && indent > 0; above--)
        {
            var text = lines.LineText(above);
            if (text.Trim().Length == 0 || text.TrimStart().StartsWith('#'))
                continue;
            var lineIndent = text.Length - text.TrimStart().Length;
            if (lineIndent >= indent)
                continue;
            if (YamlSection.Match(text) is not { Success: true } section)
                break;
            path.Insert(0, section.Groups["key"].Value);
            indent = lineIndent;
        }
        return string.Join('.', path);
    }

    /// <summary>
    /// JSON: a small scanner over the text before the cursor keeps the stack of object keys and notes whether the
    /// cursor follows a colon (value) or an opening brace or comma (key).
    /// </summary>
    private static CompletionContext? ForJson(string text, LineIndex lines, Position position)
    {
        var end = lines.OffsetOf(position);
        var sections = new Stack<string?>();
        string? lastString = null;
        string? pendingKey = null;
        var expectingValue = false;
        var inString = false;
        var stringStart = 0;
        for (var i = 0; i < end; i++)
        {
            var c = text[i];
            if (inString)
            {
                if (c == '\\')
                    i++;
                else if (c == '"')
                {
                    inString = false;
                    lastString = text[(stringStart + 1)..i];
                }
                continue;
            }
            switch (c)
            {
                case '"':
                    inString = true;
                    stringStart = i;
                    break;
                case ':':
                    pendingKey = lastString;
                    expectingValue = true;
                    break;
                case '{':
                    sections.Push(expectingValue ? pendingKey : sections.Count == 0 ? "" : null);
                    expectingValue = false;
                    break;
                case '[':
                    sections.Push(null);
                    break;
                case '}' or ']':
                    if (sections.Count > 0)
                        sections.Pop();
                    expectingValue = false;
                    break;
                case ',':
                    expectingValue = false;
                    break;
            }
        }
        if (sections.Count == 0)
            return null;
        var keys = sections.Reverse().Skip(1).ToList();
        if (keys.Any(k => k is null))
            return null;
        var sectionPath = string.Join('.', keys);
        var replaceStart = inString ? stringStart : end;
        var from = lines.Clamp(new Position(position.Line, position.Character - (end - replaceStart)));
        var replace = new LspRange(from.Line == position.Line ? from : position, position);
        return expectingValue && pendingKey is not null
            ? new CompletionContext(sectionPath, pendingKey, replace, inString)
            : new CompletionContext(sectionPath, null, replace, inString);
    }

    private static LspRange Span(int line, int start, int end) => new(new Position(line, start), new Position(line, end));
}
