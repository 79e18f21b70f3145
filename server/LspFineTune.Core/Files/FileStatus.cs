using System.Runtime.InteropServices;

namespace LspFineTune.Core.Files;

/// <summary>
/// The kind, size and modification time of a path without opening it. .NET reports FIFOs and devices as "Normal" files
/// of length 0, so on Unix the file type comes from stat(2) through the runtime's own native shim (libSystem.Native,
/// shipped with every .NET runtime; its FileStatus starts with Flags and Mode, and Mode holds the S_IFMT bits).
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

    private const int TypeMask = 0xF000;
    private const int RegularType = 0x8000;
    private const int DirectoryType = 0x4000;

    private static bool IsSpecialOnUnix(string path)
    {
        if (OperatingSystem.IsWindows())
            return false;
        try
        {
            // stat follows symbolic links, as opening the file would.
            if (NativeStat(path, out var status) != 0)
                return false;
            var type = status.Mode & TypeMask;
            return type != RegularType && type != DirectoryType;
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return false;
        }
    }

    [DllImport("libSystem.Native", EntryPoint = "SystemNative_Stat", CharSet = CharSet.Ansi, SetLastError = true)]
    private static extern int NativeStat([MarshalAs(UnmanagedType.LPUTF8Str)] string path, out NativeFileStatus status);

    /// <summary>The head of the runtime's FileStatus; the padding covers the rest of the struct (times, device, inode).</summary>
    [StructLayout(LayoutKind.Sequential)]
    private struct NativeFileStatus
    {
        public int Flags;
        public int Mode;
        public uint Uid;
        public uint Gid;
        public long Size;
        [MarshalAs(UnmanagedType.ByValArray, SizeConst = 256)]
        public byte[] Rest;
    }
}
