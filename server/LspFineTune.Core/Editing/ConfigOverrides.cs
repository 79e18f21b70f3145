using LspFineTune.Core.Syntax;

namespace LspFineTune.Core.Editing;

/// <summary>
/// `--set KEY=VALUE` overrides (lft train, lft-train, lft sweep's trials): a key path of the document's own dialect
/// (<c>optimizer.learning_rate</c>, axolotl's <c>lora_r</c>) set to a value typed as YAML types it, applied to the text
/// before it is bound, so the override is checked and bound exactly like a value written in the file.
/// </summary>
public static class ConfigOverrides
{
    /// <summary>One `KEY=VALUE`; a <see cref="FormatException"/> says what is wrong with it.</summary>
    public static ConfigChange Parse(string assignment)
    {
        var equals = assignment.IndexOf('=');
        var key = equals > 0 ? assignment[..equals].Trim() : "";
        var value = equals > 0 ? assignment[(equals + 1)..].Trim() : "";
        if (key.Length == 0 || value.Length == 0 || key.Split('.').Any(s => s.Length == 0 || s.Any(char.IsWhiteSpace)))
            throw new FormatException($"`{assignment}` is not KEY=VALUE with a dotted key path, e.g. `optimizer.learning_rate=2e-4`");
        return new ConfigChange(key, Typed(value));
    }

    /// <summary>The text with every change written in (existing values replaced in place, missing keys added under
    /// their section); a <see cref="FormatException"/> names a key the document has no place for.</summary>
    public static string Apply(string text, IReadOnlyList<ConfigChange> changes)
    {
        if (changes.Count == 0)
            return text;
        var original = ConfigParser.Parse(text);
        var edited = EditedText.Apply(text, ConfigEditor.ToTextEdits(original, ForFormat(changes, original.Format)));
        var tree = ConfigParser.Parse(edited);
        foreach (var change in changes)
        {
            if (!Holds(tree.RootMapping, change.Path))
                throw new FormatException($"`{change.Path}` cannot be set in this file: a part of that path holds a value, not a section");
        }
        return edited;
    }

    private static bool Holds(MappingNode? mapping, string path)
    {
        SyntaxNode? node = mapping;
        foreach (var segment in path.Split('.'))
        {
            if (node is not MappingNode current || current.Find(segment) is not { } property)
                return false;
            node = property.Value;
        }
        return true;
    }

    /// <summary>The changes as <paramref name="format"/> writes them: YAML gets a value's text as written (<c>2.0e-3</c>
    /// stays readable by PyYAML, which takes <c>2e-3</c> for a string); JSON needs typed numbers and booleans.</summary>
    public static IReadOnlyList<ConfigChange> ForFormat(IReadOnlyList<ConfigChange> changes, DocumentFormat format) =>
        format != DocumentFormat.Json
            ? changes
            : changes.Select(c => c.Value is string text ? c with { Value = JsonTyped(text) } : c).ToList();

    private static object JsonTyped(string text) => ScalarResolver.Resolve(text) switch
    {
        ScalarKind.Float when ScalarResolver.ParseFloat(text) is { } real && double.IsFinite(real) => real,
        var kind => kind is ScalarKind.Boolean or ScalarKind.Integer ? Typed(text) : text,
    };

    /// <summary>Booleans and integers typed; a float keeps its text (see <see cref="ForFormat"/>); anything else is a string.</summary>
    private static object Typed(string text) => ScalarResolver.Resolve(text) switch
    {
        ScalarKind.Boolean => ScalarResolver.ParseBoolean(text)!.Value,
        ScalarKind.Integer when ScalarResolver.ParseInteger(text) is { } integer => integer,
        _ => text,
    };
}
