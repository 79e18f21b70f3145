using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace LspFineTune.Core.Files;

/// <summary>
/// The few POSIX calls .NET does not expose: stat/fstat for the file type (.NET reports FIFOs and devices as "Normal"
/// files of length 0) through the runtime's own shim (libSystem.Native, shipped with every .NET runtime; its FileStatus
/// starts with Flags and Mode, and Mode holds the S_IFMT bits), and open(2) with O_NONBLOCK, so that opening a FIFO
/// that has no writer returns at once instead of blocking until one comes.
/// </summary>
internal static class UnixFileSystem
{
    private const int TypeMask = 0xF000;
    private const int RegularType = 0x8000;
    private const int DirectoryType = 0x4000;

    /// <summary>The kind of what <paramref name="path"/> names, following symbolic links as opening it would; null
    /// when it cannot be told (the runtime's shim is missing).</summary>
    public static FileKind? KindOf(string path)
    {
        try
        {
            return Stat(path, out var status) != 0 ? null : KindOf(status.Mode);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }
    }

    /// <summary>The kind of an open file, from its handle: what was opened, whatever the path names now.</summary>
    public static FileKind? KindOf(SafeFileHandle handle)
    {
        try
        {
            return FStat(handle, out var status) != 0 ? null : KindOf(status.Mode);
        }
        catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
        {
            return null;
        }
    }

    /// <summary>Opens for reading without blocking on a FIFO; null with the error when open(2) fails.</summary>
    public static SafeFileHandle? OpenReadNonBlocking(string path, out int error)
    {
        var flags = OperatingSystem.IsMacOS() || OperatingSystem.IsFreeBSD() ? MacNonBlock | MacCloseOnExec : LinuxNonBlock | LinuxCloseOnExec;
        var fd = Open(path, flags);
        error = fd < 0 ? Marshal.GetLastPInvokeError() : 0;
        return fd < 0 ? null : new SafeFileHandle(fd, ownsHandle: true);
    }

    private static FileKind KindOf(int mode) => (mode & TypeMask) switch
    {
        RegularType => FileKind.Regular,
        DirectoryType => FileKind.Directory,
        _ => FileKind.Special,
    };

    // O_RDONLY is 0 everywhere; O_NONBLOCK and O_CLOEXEC differ (Linux asm-generic/fcntl.h; macOS sys/fcntl.h).
    private const int LinuxNonBlock = 0x800;
    private const int LinuxCloseOnExec = 0x80000;
    private const int MacNonBlock = 0x4;
    private const int MacCloseOnExec = 0x1000000;

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int Open([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);

    [DllImport("libSystem.Native", EntryPoint = "SystemNative_Stat", SetLastError = true)]
    private static extern int Stat([MarshalAs(UnmanagedType.LPUTF8Str)] string path, out NativeFileStatus status);

    [DllImport("libSystem.Native", EntryPoint = "SystemNative_FStat", SetLastError = true)]
    private static extern int FStat(SafeFileHandle fd, out NativeFileStatus status);

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
