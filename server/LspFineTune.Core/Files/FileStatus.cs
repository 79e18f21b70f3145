namespace LspFineTune.Core.Files;

/// <summary>
/// The kind, size and modification time of a path without opening it. .NET reports FIFOs and devices as "Normal" files
/// of length 0, so on Unix the file type comes from stat(2) (<see cref="UnixFileSystem"/>).
/// </summary>
public readonly record struct FileStatus(FileKind Kind, long Length, DateTime LastWriteUtc)
{
    public static readonly FileStatus Missing = new(FileKind.Missing, 0, default);

    public static FileStatus Of(string path)
    {
        try
        {
            if (Directory.Exists(path))
                return new FileStatus(FileKind.Directory, 0, Directory.GetLastWriteTimeUtc(path));
            var info = new FileInfo(path);
            if (!info.Exists)
                return Missing;
            var kind = IsSpecialOnUnix(path) ? FileKind.Special : FileKind.Regular;
            return new FileStatus(kind, info.Length, info.LastWriteTimeUtc);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return Missing;
        }
    }

    private static bool IsSpecialOnUnix(string path) =>
        !OperatingSystem.IsWindows() && UnixFileSystem.KindOf(path) == FileKind.Special;
}
