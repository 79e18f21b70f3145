using LspFineTune.Core.Files;

namespace LspFineTune.Trainer.Training;

/// <summary>
/// The rule for where a run may write (docs/trainer.md, "Where a run writes"). A run writes checkpoints/, adapter/
/// and model/ under output.dir, replaces files there and deletes its old checkpoints, so output.dir must be a folder
/// of the trainer's own: new, empty, or marked by an earlier run (<see cref="MarkerFile"/>, written when a run first
/// uses the folder; a folder of an earlier lft-train version counts when it holds only those three folders and an
/// lft-train checkpoint). The filesystem root, the home folder and the folders above it are never one.
/// </summary>
internal static class OutputFolder
{
    public const string MarkerFile = ".lft-train-output";

    private static readonly HashSet<string> TrainerEntries = new(StringComparer.Ordinal) { MarkerFile, "checkpoints", "adapter", "model" };

    /// <summary>Checks the folder against the rule, creates and marks it; returns its absolute path.</summary>
    /// <param name="setting">How the user named it (output.dir, --output), for the error.</param>
    /// <param name="metricsFile">This run's --metrics file, which may already lie in the folder (it is opened first).</param>
    /// <param name="home">The home folder (tests pass their own).</param>
    public static string Prepare(string path, string setting, string? metricsFile = null, string? home = null)
    {
        var full = Normalize(Path.GetFullPath(path));
        home = string.IsNullOrEmpty(home ??= Environment.GetFolderPath(Environment.SpecialFolder.UserProfile)) ? null : Normalize(Path.GetFullPath(home));
        foreach (var candidate in new[] { full, Normalize(ResolveLinks(full)) }.Distinct(StringComparer.Ordinal))
        {
            if (Forbidden(candidate, home) is { } what)
                throw new TrainerException($"{full}: {setting} is {what}; lft-train does not write a run there (it creates checkpoints/, adapter/ and model/ and deletes old checkpoints). Point {setting} at a folder of its own, e.g. {Path.Combine(home ?? "/tmp", "lft-runs", "NAME")}.", exitCode: 1);
        }
        var status = FileStatus.Of(full);
        if (status.Kind is FileKind.Regular or FileKind.Special)
            throw new TrainerException($"{full}: {setting} is a file, not a folder. Point {setting} at a new folder for the run.", exitCode: 1);
        var ownFile = metricsFile is null ? null : Path.GetFullPath(metricsFile);
        if (status.Kind == FileKind.Directory && Foreign(full, ownFile) is { } foreign)
            throw new TrainerException($"{full}: {setting} is a folder that already holds what lft-train did not write ({foreign}). A run replaces files and deletes old checkpoints in its folder, so lft-train writes only into a new or empty folder or one an earlier run wrote (it holds {MarkerFile}). Point {setting} at a new folder, e.g. {Path.Combine(full, "lft-run")}.", exitCode: 1);
        Directory.CreateDirectory(full);
        var marker = Path.Combine(full, MarkerFile);
        if (!File.Exists(marker))
            File.WriteAllText(marker, "lft-train writes its runs here: checkpoints/, adapter/, model/. It replaces them and deletes its own old checkpoints; nothing else here is touched.\n");
        return full;
    }

    /// <summary>Why a folder is never a run's, or null.</summary>
    private static string? Forbidden(string folder, string? home)
    {
        if (Path.GetPathRoot(folder) is { } root && Normalize(root) == folder)
            return "the filesystem root";
        if (home is null)
            return null;
        if (folder == home)
            return "your home folder";
        return home.StartsWith(folder + Path.DirectorySeparatorChar, StringComparison.Ordinal) ? "a folder above your home folder" : null;
    }

    /// <summary>Null when the folder is empty or the trainer's; otherwise a few of the entries that say it is not.</summary>
    private static string? Foreign(string folder, string? ownFile)
    {
        string[] entries;
        try
        {
            entries = Directory.GetFileSystemEntries(folder).Where(e => e != ownFile).Select(Path.GetFileName).OfType<string>().Order(StringComparer.Ordinal).ToArray();
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return $"it cannot be listed: {ex.Message.TrimEnd('.')}";
        }
        if (entries.Length == 0 || File.Exists(Path.Combine(folder, MarkerFile)) || IsEarlierVersionsOutput(folder, entries))
            return null;
        var shown = entries.Where(e => !TrainerEntries.Contains(e)).DefaultIfEmpty(entries[0]).Take(3).ToList();
        return string.Join(", ", shown) + (entries.Length > shown.Count ? $" and {entries.Length - shown.Count} more" : "");
    }

    /// <summary>An output folder written before the marker existed: only the trainer's folders, and a checkpoint it wrote.</summary>
    private static bool IsEarlierVersionsOutput(string folder, string[] entries)
    {
        if (!entries.All(TrainerEntries.Contains))
            return false;
        var checkpoints = Path.Combine(folder, "checkpoints");
        return Directory.Exists(checkpoints) && Directory.GetDirectories(checkpoints, "step-*").Any(c => CheckpointOwnership.WhyNotTrainers(c) is null);
    }

    /// <summary>The path with every symbolic link on it resolved (as far as the path exists).</summary>
    private static string ResolveLinks(string path)
    {
        var existing = path;
        var rest = new Stack<string>();
        while (!Directory.Exists(existing) && Path.GetDirectoryName(existing) is { } parent)
        {
            rest.Push(Path.GetFileName(existing));
            existing = parent;
        }
        try
        {
            // Any folder on the way can be a link: resolve them one level at a time from the root.
            var parts = existing.Split(Path.DirectorySeparatorChar, StringSplitOptions.RemoveEmptyEntries);
            var current = Path.GetPathRoot(existing) ?? "/";
            foreach (var part in parts)
            {
                current = Path.Combine(current, part);
                if (new DirectoryInfo(current).ResolveLinkTarget(returnFinalTarget: true) is { } target)
                    current = target.FullName;
            }
            return rest.Aggregate(current, Path.Combine);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return path;
        }
    }

    private static string Normalize(string path) => Path.GetPathRoot(path) == path ? path : Path.TrimEndingDirectorySeparator(path);
}
