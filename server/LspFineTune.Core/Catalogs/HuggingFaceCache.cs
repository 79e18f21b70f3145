using LspFineTune.Core.Files;

namespace LspFineTune.Core.Catalogs;

/// <summary>Where a cached snapshot was found: its folder and which setting named the cache.</summary>
/// <param name="Origin">"HF_HUB_CACHE", "HF_HOME/hub", "XDG_CACHE_HOME/huggingface/hub" or "~/.cache/huggingface/hub".</param>
/// <param name="Revision">The snapshot's commit; <c>refs/main</c> when it named this one.</param>
public sealed record CachedSnapshot(string Folder, string Origin, string Revision, bool FromRefsMain);

/// <summary>
/// Finds a hub model's config.json in the local Hugging Face cache, where any earlier download (even of config.json
/// alone: <c>hf download ORG/NAME config.json</c>) left it. No network: the tool never downloads. The cache is where
/// huggingface_hub puts it (constants.py): <c>$HF_HUB_CACHE</c>, else <c>$HF_HOME/hub</c>, else
/// <c>$XDG_CACHE_HOME/huggingface/hub</c>, else <c>~/.cache/huggingface/hub</c> (<c>HUGGINGFACE_HUB_CACHE</c>, the old
/// name of HF_HUB_CACHE, is still read). Layout (file_download.py): <c>models--{org}--{name}/snapshots/{commit}/</c>, and
/// <c>refs/{branch}</c> holding the commit a branch was at when downloaded; from_pretrained reads <c>refs/main</c>, so
/// its snapshot wins over others (a newer download of another revision does not change what main is).
/// </summary>
public static class HuggingFaceCache
{
    /// <summary>The cache folder and the setting that named it, from the environment (injected so tests need not set the process's).</summary>
    public static (string Folder, string Origin)? Root(Func<string, string?> environment)
    {
        if (Variable(environment, "HF_HUB_CACHE") is { } hubCache)
            return (Expand(hubCache, environment), "HF_HUB_CACHE");
        if (Variable(environment, "HUGGINGFACE_HUB_CACHE") is { } legacy)
            return (Expand(legacy, environment), "HUGGINGFACE_HUB_CACHE");
        if (Variable(environment, "HF_HOME") is { } home)
            return (Path.Combine(Expand(home, environment), "hub"), "HF_HOME/hub");
        if (Variable(environment, "XDG_CACHE_HOME") is { } xdg)
            return (Path.Combine(Expand(xdg, environment), "huggingface", "hub"), "XDG_CACHE_HOME/huggingface/hub");
        return UserHome(environment) is { } user ? (Path.Combine(user, ".cache", "huggingface", "hub"), "~/.cache/huggingface/hub") : null;
    }

    /// <summary>The snapshot holding <paramref name="repoId"/>'s config.json (refs/main's, else the newest); null when not cached.</summary>
    public static CachedSnapshot? Find(string repoId, IAuxiliaryFiles files, Func<string, string?> environment)
    {
        if (Root(environment) is not var (root, origin) || repoId.Count(c => c == '/') != 1 || repoId.Contains("..", StringComparison.Ordinal)
            || repoId.StartsWith('/') || repoId.EndsWith('/'))
            return null;
        var repository = Path.Combine(root, "models--" + repoId.Replace("/", "--", StringComparison.Ordinal));
        var snapshots = files.Folders(Path.Combine(repository, "snapshots"))
            .Where(folder => files.Stat(Path.Combine(folder, "config.json")).Kind == FileKind.Regular)
            .ToList();
        if (snapshots.Count == 0)
            return null;
        if (files.ReadText(Path.Combine(repository, "refs", "main"), 256).Text?.Trim() is { Length: > 0 } main
            && snapshots.FirstOrDefault(folder => string.Equals(Path.GetFileName(folder), main, StringComparison.Ordinal)) is { } named)
            return new CachedSnapshot(named, origin, main, FromRefsMain: true);
        var newest = snapshots.OrderByDescending(folder => files.Stat(Path.Combine(folder, "config.json")).LastWriteUtc).First();
        return new CachedSnapshot(newest, origin, Path.GetFileName(newest), FromRefsMain: false);
    }

    private static string? Variable(Func<string, string?> environment, string name) => environment(name) is { Length: > 0 } value ? value : null;

    private static string? UserHome(Func<string, string?> environment) =>
        Variable(environment, "HOME") ?? Variable(environment, "USERPROFILE");

    /// <summary>huggingface_hub expands <c>~</c> in these variables (os.path.expanduser).</summary>
    private static string Expand(string path, Func<string, string?> environment) =>
        (path == "~" || path.StartsWith("~/", StringComparison.Ordinal)) && UserHome(environment) is { } home
            ? Path.Combine(home, path.Length > 2 ? path[2..] : "")
            : path;
}
