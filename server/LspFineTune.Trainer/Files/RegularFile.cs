using System.Text;
using LspFineTune.Core.Files;
using Microsoft.Win32.SafeHandles;

namespace LspFineTune.Trainer.Files;

/// <summary>
/// The one way the trainer reads a file (config, data, model folder, tokenizer, checkpoints): regular files only,
/// never more than the <see cref="FileRole"/>'s cap, and cancellable between chunks. A FIFO, a device such as
/// <c>/dev/zero</c>, a socket or a folder is refused before a byte is read, so no read can block or run forever,
/// and SIGTERM (the editor's Cancel) is honoured at the next chunk. Every refusal is a <see cref="TrainerException"/>
/// that says which file, what is wrong and what to do.
/// </summary>
public static class RegularFile
{
    /// <summary>How much one read takes before the cancellation token is looked at again.</summary>
    public const int ChunkBytes = 1024 * 1024;

    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    /// <summary>A forward-only stream over a regular file that refuses to read past the role's cap.</summary>
    public static Stream OpenRead(string path, FileRole role, CancellationToken cancellation = default) => Open(path, role, cancellation);

    private static BoundedFileStream Open(string path, FileRole role, CancellationToken cancellation)
    {
        cancellation.ThrowIfCancellationRequested();
        var handle = OperatingSystem.IsLinux() ? OpenWithoutBlocking(path, role) : OpenAfterStat(path, role);
        try
        {
            var length = RandomAccess.GetLength(handle);
            if (length > role.MaxBytes)
                throw TooLarge(path, role, length);
            return new BoundedFileStream(new FileStream(handle, FileAccess.Read, bufferSize: 0), length, path, role, cancellation);
        }
        catch
        {
            handle.Dispose();
            throw;
        }
    }

    /// <summary>The whole file, read in chunks (each one a chance to be cancelled).</summary>
    public static byte[] ReadAllBytes(string path, FileRole role, CancellationToken cancellation = default)
    {
        using var stream = Open(path, role, cancellation);
        var buffer = new byte[stream.LengthAtOpen];
        var filled = 0;
        int read;
        while (filled < buffer.Length && (read = stream.Read(buffer, filled, Math.Min(ChunkBytes, buffer.Length - filled))) > 0)
            filled += read;
        if (filled < buffer.Length)
            Array.Resize(ref buffer, filled); // it shrank while being read; what is there is what a reader gets
        else if (stream.ReadByte() >= 0)
            throw Changed(path, role);
        return buffer;
    }

    /// <summary>The file as text (UTF-8; a byte-order mark is dropped; invalid bytes become U+FFFD, as File.ReadAllText does).</summary>
    public static string ReadAllText(string path, FileRole role, CancellationToken cancellation = default)
    {
        var bytes = ReadAllBytes(path, role, cancellation);
        var start = bytes.AsSpan().StartsWith(Utf8Bom) ? Utf8Bom.Length : 0;
        return Utf8.GetString(bytes, start, bytes.Length - start);
    }

    /// <summary>Copies a regular file (never a FIFO or a device) to <paramref name="destination"/>, replacing it.</summary>
    public static void Copy(string path, string destination, FileRole role, CancellationToken cancellation = default)
    {
        using var source = OpenRead(path, role, cancellation);
        using (var target = new FileStream(destination, FileMode.Create, FileAccess.Write))
            source.CopyTo(target, ChunkBytes);
    }

    internal static ReadOnlySpan<byte> Utf8Bom => [0xEF, 0xBB, 0xBF];

    private static SafeFileHandle OpenWithoutBlocking(string path, FileRole role)
    {
        var handle = NonBlockingOpen.Open(path, out var errno) ?? throw OpenFailed(path, role, errno);
        // What was opened, not what the path named a moment ago: /proc/self/fd/N leads to the open file itself
        // (where /proc is not mounted, the path's kind is the best there is).
        var kind = FileStatus.Of($"/proc/self/fd/{handle.DangerousGetHandle()}").Kind;
        if (kind == FileKind.Missing)
            kind = FileStatus.Of(path).Kind;
        if (kind == FileKind.Regular)
            return handle;
        handle.Dispose();
        throw NotRegular(path, role, kind);
    }

    private static SafeFileHandle OpenAfterStat(string path, FileRole role)
    {
        var kind = FileStatus.Of(path).Kind;
        if (kind != FileKind.Regular)
            throw NotRegular(path, role, kind);
        try
        {
            return File.OpenHandle(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw CannotRead(path, role, ex.Message);
        }
    }

    private static TrainerException OpenFailed(string path, FileRole role, int errno) => errno switch
    {
        NonBlockingOpen.NoSuchFile or NonBlockingOpen.NotADirectory => NotRegular(path, role, FileKind.Missing),
        // open(2) of a Unix socket fails with ENXIO; so does a device without a driver.
        NonBlockingOpen.NoSuchDeviceOrAddress => NotRegular(path, role, FileKind.Special),
        NonBlockingOpen.PermissionDenied => new TrainerException($"{path}: cannot read {role.Described}: permission denied. Make it readable for this user, or point {role.SettingOrPath} at a copy."),
        _ => CannotRead(path, role, System.Runtime.InteropServices.Marshal.GetPInvokeErrorMessage(errno)),
    };

    internal static TrainerException NotRegular(string path, FileRole role, FileKind kind) => kind switch
    {
        FileKind.Missing => new TrainerException($"{path}: {role.Described} does not exist. Check {role.SettingOrPath}."),
        FileKind.Directory => new TrainerException($"{path}: {role.Described} is a folder, not a file. Point {role.SettingOrPath} at the file itself."),
        _ => new TrainerException($"{path}: {role.Described} is not a regular file (a FIFO, a device or a socket); lft-train reads regular files only, since such a file can block or never end. Point {role.SettingOrPath} at a regular file (copy the content into one)."),
    };

    private static TrainerException TooLarge(string path, FileRole role, long length) =>
        new($"{path}: {role.Described} is {Size(length)}, more than the {Size(role.MaxBytes)} lft-train reads for one. Check that {role.SettingOrPath} names the right file.");

    internal static TrainerException Changed(string path, FileRole role) =>
        new($"{path}: {role.Described} grew while it was being read. Let whatever writes it finish, then run again.");

    internal static TrainerException GrewPastCap(string path, FileRole role) =>
        new($"{path}: {role.Described} grew past {Size(role.MaxBytes)} while it was being read, more than lft-train reads for one. Check that {role.SettingOrPath} names the right file.");

    private static TrainerException CannotRead(string path, FileRole role, string reason) =>
        new($"{path}: cannot read {role.Described} ({reason.TrimEnd('.')}). Check the file and its permissions.");

    internal static string Size(long bytes) => bytes switch
    {
        >= 1L << 30 => $"{bytes / (double)(1L << 30):0.#} GiB",
        >= 1L << 20 => $"{bytes / (double)(1L << 20):0.#} MiB",
        >= 1L << 10 => $"{bytes / 1024.0:0.#} KiB",
        _ => $"{bytes} bytes",
    };
}
