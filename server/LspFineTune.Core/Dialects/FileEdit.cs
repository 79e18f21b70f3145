using LspFineTune.Core.Editing;

namespace LspFineTune.Core.Dialects;

/// <summary>
/// Edits to one file: the document itself (<see cref="FilePath"/> null) or a companion file, which the edit may create
/// (<see cref="CreatesFile"/>: the file does not exist yet and its one edit holds the whole text).
/// </summary>
public sealed record FileEdit(string? FilePath, IReadOnlyList<TextEdit> Edits)
{
    public bool CreatesFile { get; init; }

    /// <summary>One edit list per file: the document's own <paramref name="documentEdits"/> joined to the document's
    /// entry of <paramref name="edits"/> (a companion writer may have started one, e.g. a new <c>deepspeed:</c> key).</summary>
    public static IReadOnlyList<FileEdit> WithDocumentEdits(IReadOnlyList<FileEdit> edits, IReadOnlyList<TextEdit> documentEdits)
    {
        if (documentEdits.Count == 0)
            return edits;
        var result = edits.ToList();
        var existing = result.FindIndex(e => e.FilePath is null);
        if (existing >= 0)
            result[existing] = result[existing] with { Edits = [.. result[existing].Edits, .. documentEdits] };
        else
            result.Add(new FileEdit(null, documentEdits));
        return result;
    }
}
