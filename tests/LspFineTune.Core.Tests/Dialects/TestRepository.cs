using LspFineTune.Core.Files;

namespace LspFineTune.Core.Tests.Dialects;

/// <summary>Paths of the repository the tests run from, and file access that never sees this machine's Hugging Face cache.</summary>
internal static class TestRepository
{
    public static string Root { get; } = FindRoot();

    public static string Corpus(string dialect) => Path.Combine(Root, "tests", "corpus", dialect);

    public static string Baselines(string dialect) => Path.Combine(Root, "tests", "baselines", dialect);

    public static string Example(string relative) => Path.Combine(Root, "examples", relative);

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "LspFineTune.sln")))
                return dir.FullName;
        }
        throw new InvalidOperationException($"no LspFineTune.sln above {AppContext.BaseDirectory}");
    }
}

/// <summary>
/// The real file system, except that no folder lists any sub-folders: the Hugging Face cache's snapshots, which differ
/// from machine to machine, are never found, so results depend only on the repository.
/// </summary>
internal sealed class WithoutHubCache : IAuxiliaryFiles
{
    public static WithoutHubCache Instance { get; } = new();

    /// <summary>accelerate's default config lives in the Hugging Face home too: never found, so no machine's launch
    /// settings reach a baseline.</summary>
    private static readonly string? AccelerateDefault = Core.Dialects.Accelerate.AccelerateLaunch.DefaultConfigFile();

    public FileStatus Stat(string path) => path == AccelerateDefault ? FileStatus.Missing : AuxiliaryFileCache.Shared.Stat(path);

    public IReadOnlyList<string> Folders(string path) => [];

    public AuxiliaryText ReadText(string path, long maxBytes) => AuxiliaryFileCache.Shared.ReadText(path, maxBytes);

    public T? Derive<T>(string path, string purpose, Func<Stream, T> derive, out string? problem) where T : class =>
        AuxiliaryFileCache.Shared.Derive(path, purpose, derive, out problem);
}
