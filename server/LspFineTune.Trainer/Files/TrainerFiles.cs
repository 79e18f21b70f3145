using System.Text;
using LspFineTune.Core.Files;

namespace LspFineTune.Trainer.Files;

/// <summary>
/// The one way the trainer reads a file (config, data, model folder, tokenizer, checkpoints): opened through Core's
/// <see cref="RegularFile"/> (regular files only, told from the opened handle, an open that never blocks on a FIFO),
/// then read with its <see cref="FileRole"/>'s cap and cancellable between chunks, so SIGTERM (the editor's Cancel)
/// is honoured at the next chunk. A FIFO, a device such as <c>/dev/zero</c>, a socket or a folder is refused before a
/// byte is read. Every refusal is a <see cref="TrainerException"/> that says which file, what is wrong and what to do.
/// </summary>
public static class TrainerFiles
{
    /// <summary>How much one read takes before the cancellation token is looked at again.</summary>
    public const int ChunkBytes = 1024 * 1024;

    private static readonly UTF8Encoding Utf8 = new(encoderShouldEmitUTF8Identifier: false);

    /// <summary>A forward-only stream over a regular file that refuses to read past the role's cap.</summary>
    public static Stream OpenRead(string path, FileRole role, CancellationToken cancellation = default) => Open(path, role, cancellation);

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
        using var source = Open(path, role, cancellation);
        using var target = new FileStream(destination, FileMode.Create, FileAccess.Write);
        source.CopyTo(target, ChunkBytes);
    }

    internal static ReadOnlySpan<byte> Utf8Bom => [0xEF, 0xBB, 0xBF];

    private static BoundedFileStream Open(string path, FileRole role, CancellationToken cancellation)
    {
        cancellation.ThrowIfCancellationRequested();
        var file = RegularFile.OpenRead(path, out var problem) ?? throw Refused(path, role, problem);
        try
        {
            var length = file.Length;
            if (length > role.MaxBytes)
                throw TooLarge(path, role, length);
            return new BoundedFileStream(file, length, path, role, cancellation);
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    /// <summary>Core has decided, on the opened handle, that the file is not to be read; the kind only picks the words.</summary>
    private static TrainerException Refused(string path, FileRole role, string? problem) => FileStatus.Of(path).Kind switch
    {
        FileKind.Regular => new TrainerException($"{path}: cannot read {role.Described} ({problem ?? "it cannot be opened"}). Check the file and its permissions, or point {role.SettingOrPath} at a readable copy."),
        var kind => NotRegular(path, role, kind),
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

    internal static string Size(long bytes) => bytes switch
    {
        >= 1L << 30 => $"{bytes / (double)(1L << 30):0.#} GiB",
        >= 1L << 20 => $"{bytes / (double)(1L << 20):0.#} MiB",
        >= 1L << 10 => $"{bytes / 1024.0:0.#} KiB",
        _ => $"{bytes} bytes",
    };
}
