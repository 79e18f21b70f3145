using LspFineTune.Core.Syntax;

namespace LspFineTune.Core.Dialects;

/// <summary>One document as dialects see it: its text, its parse, its path (null when untitled) and its modeline.</summary>
public sealed record DocumentContext(string Text, ConfigSyntaxTree Tree, string? Path, Modeline Modeline)
{
    public static DocumentContext Of(string text, ConfigSyntaxTree tree, string? path) => new(text, tree, path, Modeline.Parse(text));

    /// <summary>The top-level key names, for content fingerprints.</summary>
    public IReadOnlySet<string> TopLevelKeys { get; } = Tree.RootMapping?.Properties.Select(p => p.Key.Value).ToHashSet(StringComparer.Ordinal) ?? [];

    /// <summary>A content claim on two top-level keys, <paramref name="first"/> and the first of <paramref name="seconds"/>
    /// written ("has `base_model` and `sequence_len`"); null when either is missing.</summary>
    public string? HasKeys(string first, IEnumerable<string> seconds) =>
        TopLevelKeys.Contains(first) && seconds.FirstOrDefault(TopLevelKeys.Contains) is { } second ? $"has `{first}` and `{second}`" : null;
}
