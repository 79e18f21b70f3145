using TorchSharp;

namespace LspFineTune.Trainer.Native;

/// <summary>
/// Loads libtorch once per process, repairing on first use the one thing that stops it on Debian 12:
/// TorchSharp's libLibTorchSharp.so asks for GLIBCXX_3.4.32 (libstdc++ 13+) while Debian 12 ships 3.4.30. The only
/// symbol of that version is a link-time marker, so the need is marked weak in the copy next to this assembly
/// (written to a temp file and renamed over, which also breaks a hard link into the NuGet cache instead of editing it).
/// Idempotent: a patched or newer library is left alone.
/// </summary>
public static class LibTorchLoader
{
    internal const string LibraryName = "libLibTorchSharp.so";
    internal const string MarkerVersion = "GLIBCXX_3.4.32";

    /// <summary>Symbols of <see cref="MarkerVersion"/> that no relocation uses (libstdc++'s iostream init marker).</summary>
    internal static readonly IReadOnlySet<string> LinkTimeMarkers = new HashSet<string>(StringComparer.Ordinal) { "_ZSt21ios_base_library_initv" };

    private static readonly Lock Gate = new();
    private static bool _loaded;

    /// <summary>Makes sure libtorch is usable; throws <see cref="TrainerException"/> with the remedy when it is not.</summary>
    public static void EnsureLoaded()
    {
        lock (Gate)
        {
            if (_loaded)
                return;
            var library = FindLibrary();
            string? patchProblem = null;
            if (library is not null && OperatingSystem.IsLinux())
                patchProblem = TryPatch(library);
            try
            {
                OpenMpWaitPolicy.PreferPassive();
                torch.InitializeDeviceType(DeviceType.CPU);
                using var probe = torch.ones(1);
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                throw new TrainerException(
                    $"libtorch could not be loaded from {library ?? AppContext.BaseDirectory}: {FirstLine(ex.Message)}"
                    + (patchProblem is null ? "" : $" (the GLIBCXX_3.4.32 repair did not apply: {patchProblem})")
                    + ". Check `ldd` on that file; on Debian 12 either make the folder writable so lft-train can repair the library on first use,"
                    + " or put a newer libstdc++ on the library path: `echo 'deb http://deb.debian.org/debian trixie main' > /etc/apt/sources.list.d/trixie.list"
                    + " && apt-get update && apt-get download libstdc++6/trixie && dpkg-deb -x libstdc++6_*.deb /opt/lft-libstdcxx`"
                    + " then run with LD_LIBRARY_PATH=/opt/lft-libstdcxx/usr/lib/x86_64-linux-gnu.");
            }
            _loaded = true;
        }
    }

    /// <summary>The library next to the assembly (RID-specific build) or under runtimes/ (portable build).</summary>
    private static string? FindLibrary()
    {
        var baseDirectory = AppContext.BaseDirectory;
        string[] candidates =
        [
            Path.Combine(baseDirectory, LibraryName),
            Path.Combine(baseDirectory, "runtimes", "linux-x64", "native", LibraryName),
        ];
        return candidates.FirstOrDefault(File.Exists);
    }

    /// <summary>Weakens the marker need in place; returns why it could not, or null when done or not needed.</summary>
    internal static string? TryPatch(string library)
    {
        try
        {
            var image = File.ReadAllBytes(library);
            var need = ElfVersionNeedPatcher.Inspect(image, MarkerVersion);
            if (need is null || need.IsWeak)
                return null;
            var patched = ElfVersionNeedPatcher.MakeWeak(image, MarkerVersion, LinkTimeMarkers);
            var temp = $"{library}.{Environment.ProcessId}.{Guid.NewGuid():N}.tmp";
            File.WriteAllBytes(temp, patched);
            // Rename is atomic: a concurrent process sees the old or the new file, never half of one.
            File.Move(temp, library, overwrite: true);
            return null;
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException or InvalidDataException)
        {
            return ex.Message;
        }
    }

    private static string FirstLine(string text)
    {
        var end = text.IndexOfAny(['\r', '\n']);
        return end < 0 ? text : text[..end];
    }
}
