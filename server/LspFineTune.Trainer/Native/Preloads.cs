using System.Runtime.InteropServices;
using System.Text;

namespace LspFineTune.Trainer.Native;

/// <summary>
/// Libraries that must be loaded before everything else (<see cref="MemoryAllocator"/>, <see cref="MklVendorCheck"/>):
/// lft-train re-executes itself with them in LD_PRELOAD, by execve of /proc/self/exe with the same arguments, so the
/// process id and the standard streams stay the same and a launcher's signals and pipes are unaffected. Call it before
/// anything loads libtorch.
/// </summary>
internal static class Preloads
{
    // Set in the re-executed process: never re-execute twice, even when a preload did not take.
    private const string ReexecutedVariable = "LFT_TRAIN_PRELOADED";

    public static void Apply()
    {
        // The allocator's choice also runs in the re-executed process: it says why glibc stays, when it does.
        var allocator = MemoryAllocator.LibraryToPreload();
        if (Environment.GetEnvironmentVariable(ReexecutedVariable) is not null)
            return;
        var wanted = new[] { allocator, MklVendorCheck.LibraryToPreload() }.OfType<string>().ToList();
        if (wanted.Count == 0)
            return;
        var arguments = CommandLineOfThisProcess();
        if (arguments is null)
        {
            MemoryAllocator.ReexecutionFailed("this process's command line could not be read");
            return;
        }
        var preload = Environment.GetEnvironmentVariable("LD_PRELOAD");
        var environment = Environment.GetEnvironmentVariables().Keys.Cast<string>()
            .Where(name => name is not ("LD_PRELOAD" or ReexecutedVariable))
            .Select(name => $"{name}={Environment.GetEnvironmentVariable(name)}")
            .Append($"LD_PRELOAD={string.Join(':', string.IsNullOrEmpty(preload) ? wanted : [.. wanted, preload])}")
            .Append($"{ReexecutedVariable}=1")
            .ToArray();
        Console.Out.Flush();
        Console.Error.Flush();
        Execute("/proc/self/exe", arguments, environment);
        MemoryAllocator.ReexecutionFailed($"re-executing with {string.Join(", ", wanted)} preloaded failed (errno {Marshal.GetLastPInvokeError()})");
    }

    /// <summary>Whether a loaded library's path contains <paramref name="name"/> (from /proc/self/maps; false off Linux).</summary>
    public static bool IsMapped(string name)
    {
        try
        {
            return OperatingSystem.IsLinux() && File.ReadLines("/proc/self/maps").Any(line => line.Contains(name, StringComparison.Ordinal));
        }
        catch (IOException)
        {
            return false;
        }
    }

    /// <summary>argv as the kernel holds it (NUL-separated), so `dotnet lft-train.dll …` and the apphost both re-run as started.</summary>
    private static string[]? CommandLineOfThisProcess()
    {
        try
        {
            var parts = Encoding.UTF8.GetString(File.ReadAllBytes("/proc/self/cmdline")).Split('\0');
            return parts.Length > 1 ? parts[..^1] : null; // the text ends with a NUL
        }
        catch (IOException)
        {
            return null;
        }
    }

    private static void Execute(string path, string[] arguments, string[] environment)
    {
        var argv = ToNative(arguments);
        var envp = ToNative(environment);
        try
        {
            _ = execve(path, argv, envp);
        }
        finally
        {
            Free(argv);
            Free(envp);
        }
    }

    /// <summary>A NULL-terminated array of NUL-terminated UTF-8 strings, as execve takes them.</summary>
    private static IntPtr[] ToNative(string[] values)
    {
        var native = new IntPtr[values.Length + 1];
        for (var i = 0; i < values.Length; i++)
            native[i] = Marshal.StringToCoTaskMemUTF8(values[i]);
        return native;
    }

    private static void Free(IntPtr[] native)
    {
        foreach (var pointer in native)
        {
            if (pointer != IntPtr.Zero)
                Marshal.FreeCoTaskMem(pointer);
        }
    }

    [DllImport("libc", SetLastError = true)]
    private static extern int execve([MarshalAs(UnmanagedType.LPUTF8Str)] string path, IntPtr[] argv, IntPtr[] envp);
}
