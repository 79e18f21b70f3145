using System.Collections.Concurrent;

namespace LspFineTune.Core.Files;

/// <summary>
/// The real file system behind <see cref="IAuxiliaryFiles"/>: stat first (never opening a FIFO or a device), read at
/// most the cap, and keep results keyed by path, size and modification time. Thread-safe; bounded in entries.
/// </summary>
public sealed class AuxiliaryFileCache : IAuxiliaryFiles
{
    private const int MaxEntries = 512;

    private readonly ConcurrentDictionary<(string Path, string Purpose), (FileStatus Status, object? Value, string? Problem)> _entries = new();

    /// <summary>One cache for a process: the CLI and the language server share files across documents.</summary>
    public static AuxiliaryFileCache Shared { get; } = new();

    public FileStatus Stat(string path) => FileStatus.Of(path);

    public IReadOnlyList<string> Folders(string path)
    {
        try
        {
            return Directory.Exists(path) ? Directory.GetDirectories(path) : [];
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException)
        {
            return [];
        }
    }

    public AuxiliaryText ReadText(string path, long maxBytes)
    {
        var text = Derive(path, "text:" + maxBytes, stream => RegularFile.ReadBounded(stream, maxBytes), out var problem, maxBytes);
        return new AuxiliaryText(path, Stat(path), text, problem);
    }

    public T? Derive<T>(string path, string purpose, Func<Stream, T> derive, out string? problem) where T : class =>
        Derive(path, purpose, derive, out problem, long.MaxValue);

    private T? Derive<T>(string path, string purpose, Func<Stream, T> derive, out string? problem, long maxBytes) where T : class
    {
        var status = Stat(path);
        var key = (path, purpose + ":" + typeof(T).FullName);
        if (_entries.TryGetValue(key, out var cached) && cached.Status == status)
        {
            problem = cached.Problem;
            return cached.Value as T;
        }
        T? value = null;
        problem = AuxiliaryProblems.ForStatus(status, maxBytes);
        if (problem is null)
        {
            try
            {
                using var stream = RegularFile.OpenRead(path, out problem);
                if (stream is not null)
                    value = derive(stream);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or NotSupportedException)
            {
                problem = e is FileNotFoundException or DirectoryNotFoundException ? "the file does not exist" : e.Message;
            }
        }
        if (_entries.Count >= MaxEntries)
            _entries.Clear();
        _entries[key] = (status, value, problem);
        return value;
    }
}
