using LspFineTune.Core.Editing;

namespace LspFineTune.Core.Dialects;

/// <summary>
/// Edits to one file: the document itself (<see cref="FilePath"/> null) or a companion file, which the edit may create
/// (<see cref="CreatesFile"/>: the file does not exist yet and its one edit holds the whole text).
/// </summary>
public sealed record FileEdit(string? FilePath, IReadOnlyList<TextEdit> Edits)
{
    public bool CreatesFile { get; init; }
}
