namespace LspFineTune.Core.Files;

/// <summary>The text of a file besides the document, or why there is none.</summary>
public sealed record AuxiliaryText(string Path, FileStatus Status, string? Text, string? Problem)
{
    public bool Success => Text is not null;
}

/// <summary>
/// Everything analysis reads besides the document (companion JSON, model folders' config.json, data files) goes
/// through here: regular files only, never more than a cap, cached by path, size and modification time so nothing is
/// re-read on a keystroke unless it changed (Bicep's IFileExplorer + AuxiliaryFileCache; taplo's Environment).
/// </summary>
public interface IAuxiliaryFiles
{
    FileStatus Stat(string path);

    /// <summary>The sub-folders of a folder (for the Hugging Face cache's snapshots), or none.</summary>
    IReadOnlyList<string> Folders(string path);

    /// <summary>The file's text when it is a regular file of at most <paramref name="maxBytes"/>.</summary>
    AuxiliaryText ReadText(string path, long maxBytes);

    /// <summary>
    /// A value derived from a regular file's content by <paramref name="derive"/>, which reads at most what it needs
    /// from the stream; cached per path, size, modification time and <paramref name="purpose"/>.
    /// </summary>
    T? Derive<T>(string path, string purpose, Func<Stream, T> derive, out string? problem) where T : class;
}

/// <summary>Plain-language reasons shared by every implementation.</summary>
public static class AuxiliaryProblems
{
    public static string? ForStatus(FileStatus status, long maxBytes) =>
        ForKind(status.Kind) ?? (status.Length > maxBytes ? TooLarge(status.Length, maxBytes) : null);

    public static string? ForKind(FileKind kind) => kind switch
    {
        FileKind.Missing => "the file does not exist",
        FileKind.Directory => "it is a directory, not a file",
        FileKind.Special => "it is not a regular file (a FIFO, a device or a socket), so it is not read",
        _ => null,
    };

    public static string TooLarge(long length, long maxBytes) => $"it is {Size(length)}, over the {Size(maxBytes)} read for such a file";

    private static string Size(long bytes) => bytes >= 1_000_000 ? $"{bytes / 1e6:0.#} MB" : $"{bytes / 1e3:0.#} KB";
}
