using System.Text;

namespace LspFineTune.Core.Files;

/// <summary>
/// The one way this tool opens a file it did not write: regular files only, told from the opened handle (so a path
/// swapped between a check and the open changes nothing), never blocking on the open (a FIFO without a writer is
/// refused at once instead of hanging), and read with a cap and a cancellation token (a device such as /dev/zero, or
/// a file that keeps growing, is cut at the cap).
/// </summary>
public static class RegularFile
{
    /// <summary>Opens <paramref name="path"/> for reading when it is a regular file; otherwise null and why, in words.</summary>
    public static FileStream? OpenRead(string path, out string? problem)
    {
        problem = null;
        try
        {
            if (OperatingSystem.IsWindows())
                return OpenOnWindows(path, out problem);
            var handle = UnixFileSystem.OpenReadNonBlocking(path, out var error);
            if (handle is null)
            {
                problem = error switch
                {
                    2 or 20 => "the file does not exist", // ENOENT, ENOTDIR
                    13 or 1 => "permission denied", // EACCES, EPERM
                    _ => $"it cannot be opened (error {error})",
                };
                return null;
            }
            var kind = UnixFileSystem.KindOf(handle) ?? FileKind.Regular;
            problem = AuxiliaryProblems.ForKind(kind);
            if (problem is not null)
            {
                handle.Dispose();
                return null;
            }
            return new FileStream(handle, FileAccess.Read, bufferSize: 4096);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or ArgumentException or NotSupportedException or DllNotFoundException or EntryPointNotFoundException)
        {
            problem = e.Message;
            return null;
        }
    }

    /// <summary>The file's text as UTF-8 (a byte-order mark dropped, invalid bytes as U+FFFD), when it is a regular file
    /// of at most <paramref name="maxBytes"/>; otherwise null and why.</summary>
    public static string? ReadText(string path, long maxBytes, out string? problem, CancellationToken cancellationToken = default)
    {
        using var stream = OpenRead(path, out problem);
        if (stream is null)
            return null;
        try
        {
            if (stream.Length > maxBytes)
            {
                problem = AuxiliaryProblems.TooLarge(stream.Length, maxBytes);
                return null;
            }
            return ReadBounded(stream, maxBytes, cancellationToken);
        }
        catch (IOException e)
        {
            problem = e.Message;
            return null;
        }
    }

    /// <summary>Reads at most <paramref name="maxBytes"/> (a file can grow between the open and the read) as UTF-8.</summary>
    public static string ReadBounded(Stream stream, long maxBytes, CancellationToken cancellationToken = default)
    {
        var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while (buffer.Length <= maxBytes && (read = stream.Read(chunk, 0, (int)Math.Min(chunk.Length, maxBytes + 1 - buffer.Length))) > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            buffer.Write(chunk, 0, read);
        }
        if (buffer.Length > maxBytes)
            throw new IOException($"it grew past {maxBytes:N0} bytes while being read");
        return new UTF8Encoding(false).GetString(buffer.GetBuffer(), 0, (int)buffer.Length).TrimStart('\uFEFF');
    }

    private static FileStream? OpenOnWindows(string path, out string? problem)
    {
        // Windows has no FIFOs at file paths; devices (\\.\, CON) are not files either.
        problem = AuxiliaryProblems.ForStatus(FileStatus.Of(path), long.MaxValue);
        return problem is null ? new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 4096) : null;
    }
}
