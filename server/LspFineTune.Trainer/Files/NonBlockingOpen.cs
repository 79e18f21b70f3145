using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace LspFineTune.Trainer.Files;

/// <summary>
/// open(2) with O_NONBLOCK on Linux. A plain open of a FIFO for reading blocks until some process opens it for
/// writing (forever, if none does), and .NET offers no flag to avoid that; with O_NONBLOCK the open returns at once
/// whatever the path is, and the caller then checks what it opened before reading a byte. Checking the path before
/// opening (stat) is not enough on its own: the path can be replaced between the check and the open.
/// </summary>
internal static class NonBlockingOpen
{
    // Linux's values on every architecture .NET runs on (asm-generic/fcntl.h).
    private const int ReadOnly = 0x0;
    private const int NonBlocking = 0x800;
    private const int NoControllingTerminal = 0x100;
    private const int CloseOnExec = 0x80000;

    public const int NoSuchFile = 2;
    public const int NoSuchDeviceOrAddress = 6;
    public const int PermissionDenied = 13;
    public const int NotADirectory = 20;

    /// <summary>The opened handle, or null with the errno; never blocks.</summary>
    public static SafeFileHandle? Open(string path, out int errno)
    {
        var descriptor = NativeOpen(path, ReadOnly | NonBlocking | NoControllingTerminal | CloseOnExec);
        if (descriptor < 0)
        {
            errno = Marshal.GetLastPInvokeError();
            return null;
        }
        errno = 0;
        return new SafeFileHandle(descriptor, ownsHandle: true);
    }

    [DllImport("libc", EntryPoint = "open", SetLastError = true)]
    private static extern int NativeOpen([MarshalAs(UnmanagedType.LPUTF8Str)] string path, int flags);
}
