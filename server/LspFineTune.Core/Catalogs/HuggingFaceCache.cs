using LspFineTune.Core.Files;

namespace LspFineTune.Core.Catalogs;

/// <summary>
/// Finds a hub model's config.json in the local Hugging Face cache, where any earlier download left it
/// (huggingface_hub's layout: <c>$HF_HUB_CACHE</c>, else <c>$HF_HOME/hub</c>, else <c>~/.cache/huggingface/hub</c>;
/// <c>models--{org}--{name}/snapshots/{revision}/config.json</c>). No network: the tool never downloads.
/// </summary>
public static class HuggingFaceCache
{
    public static string? Root()
    {
        if (Environment.GetEnvironmentVariable("HF_HUB_CACHE") is { Length: > 0 } hubCache)
            return hubCache;
        if (Environment.GetEnvironmentVariable("HF_HOME") is { Length: > 0 } home)
            return Path.Combine(home, "hub");
        var user = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return user.Length > 0 ? Path.Combine(user, ".cache", "huggingface", "hub") : null;
    }

    /// <summary>The snapshot folder holding <paramref name="repoId"/>'s config.json, newest first; null when not cached.</summary>
    public static string? FindSnapshot(string repoId, IAuxiliaryFiles files)
    {
        if (Root() is not { } root || repoId.Count(c => c == '/') != 1 || repoId.Contains(".."))
            return null;
        var snapshots = Path.Combine(root, "models--" + repoId.Replace("/", "--"), "snapshots");
        return files.Folders(snapshots)
            .Where(folder => files.Stat(Path.Combine(folder, "config.json")).Kind == FileKind.Regular)
            .OrderByDescending(folder => files.Stat(Path.Combine(folder, "config.json")).LastWriteUtc)
            .FirstOrDefault();
    }
}
