using LspFineTune.Core.Files;
using LspFineTune.Core.Planning;

namespace LspFineTune.Core.Dialects;

/// <summary>
/// Finds the record files a framework's dataset entry names on this machine, for the bundled trainer. The frameworks
/// resolve a relative path against the launch directory; here it is against the config's folder (as <c>lft</c> resolves
/// every path), so a config trains the same from wherever lft-train starts: launch the framework from the config's
/// folder to read the same files. What is not a local file or folder (a hub id, a URL) gets a refusal that names the
/// key and what to do; nothing here adds a diagnostic, so the editor shows valid configs as they are.
/// </summary>
public static class LocalDatasets
{
    /// <summary>The record formats lft-train reads: JSON lines, and JSON (an array of records, or JSON lines).</summary>
    private static readonly string[] ReadableExtensions = [".jsonl", ".json"];

    /// <summary>Hugging Face datasets' split names by file name (datasets <c>data_files.py</c> SPLIT_KEYWORDS).</summary>
    private static readonly Dictionary<string, string[]> SplitKeywords = new()
    {
        ["train"] = ["train", "training"],
        ["validation"] = ["validation", "valid", "dev", "val"],
        ["test"] = ["test", "testing", "eval", "evaluation"],
    };

    /// <summary>What a dataset location resolves to: its files, or why lft-train cannot read it.</summary>
    public sealed record Resolution(IReadOnlyList<string> Files, string? Refusal);

    /// <param name="location">The path or id as written.</param>
    /// <param name="setting">The key that names it (<c>datasets[0].path</c>), for the refusal.</param>
    /// <param name="dataFiles">Files named inside a folder (axolotl <c>data_files</c>); null: every readable file of it.</param>
    /// <param name="split">For a folder whose files are named by split (<c>train.jsonl</c>, <c>test.jsonl</c>), the split to read.</param>
    public static Resolution Resolve(string location, string setting, string? documentPath, IAuxiliaryFiles files, IReadOnlyList<string>? dataFiles = null, string? split = null)
    {
        var trimmed = location.Trim();
        if (trimmed.Contains("://", StringComparison.Ordinal))
            return new([], $"`{setting}` is `{trimmed}`, a remote location: lft-train reads local files only. Download it and point `{setting}` at the file or folder.");
        var path = AbsolutePath(trimmed, documentPath);
        switch (files.Stat(path).Kind)
        {
            case FileKind.Regular:
                return Readable([path], setting);
            case FileKind.Directory:
                var inFolder = dataFiles is { Count: > 0 }
                    ? dataFiles.Select(f => Path.GetFullPath(Path.Combine(path, f))).ToList()
                    : ReadableFiles(path, split);
                if (inFolder.Count == 0)
                    return new([], $"`{setting}` is the folder {path}, which holds no {(split is null ? "" : $"`{split}` ")}.json or .jsonl file; lft-train reads JSON and JSON lines records.");
                var missing = inFolder.FirstOrDefault(f => files.Stat(f).Kind != FileKind.Regular);
                return missing is not null
                    ? new([], $"`{setting}` names {missing}, which is not a file here.")
                    : Readable(inFolder, setting);
            case FileKind.Missing when !LooksLikePath(trimmed):
                return new([], $"`{setting}: {trimmed}` is no file or folder next to the config ({path}), so it is a hub dataset; lft-train reads local data only. Download it (`hf download {trimmed} --repo-type dataset --local-dir DIR`) and point `{setting}` at the JSON or JSON lines files.");
            default:
                return new([], $"`{setting}` is {path}, which is not a file or folder here; create it or fix the path (relative paths are read from the config's folder).");
        }
    }

    /// <summary>An absolute path: relative ones against the config's folder, <c>~</c> as the home folder.</summary>
    public static string AbsolutePath(string path, string? documentPath)
    {
        if (path.StartsWith('~'))
            return Path.GetFullPath(Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), path.TrimStart('~', '/')));
        if (Path.IsPathRooted(path) || documentPath is null)
            return Path.GetFullPath(path);
        return Path.GetFullPath(Path.Combine(Path.GetDirectoryName(Path.GetFullPath(documentPath))!, path));
    }

    /// <summary>
    /// The run-time estimate's data figures from the local JSON lines train files, when the config states none: the same
    /// files the trainer reads. JSON array files are not counted (a pretty-printed array is not one record a line).
    /// </summary>
    public static TrainingPlan WithStatistics(TrainingPlan plan, IAuxiliaryFiles files)
    {
        var lines = plan.Data.TrainSources.Where(s => s.Refusal is null).SelectMany(s => s.Files).ToList();
        if (plan.Data.NumExamples is not null || lines.Count == 0 || lines.Any(f => !f.EndsWith(".jsonl", StringComparison.OrdinalIgnoreCase)))
            return plan;
        long examples = 0;
        double tokens = 0;
        DataFileStatistics.Result? largest = null;
        foreach (var file in lines)
        {
            if (DataFileStatistics.TryRead(file, files, out _) is not { } statistics)
                return plan;
            examples += statistics.Examples;
            tokens += statistics.MeanTokens * statistics.Examples;
            if (largest is null || statistics.Examples > largest.Examples)
                largest = statistics;
        }
        if (examples == 0)
            return plan;
        return plan with { Data = plan.Data with { NumExamples = examples, MeanTokensPerExample = tokens / examples, Lengths = plan.Data.Lengths ?? largest!.Lengths } };
    }

    private static Resolution Readable(IReadOnlyList<string> paths, string setting)
    {
        var other = paths.FirstOrDefault(p => !ReadableExtensions.Any(e => p.EndsWith(e, StringComparison.OrdinalIgnoreCase)));
        return other is null
            ? new(paths, null)
            : new([], $"`{setting}` names {other}; lft-train reads JSON and JSON lines records (.json, .jsonl). Convert it, or train with the framework itself (`lft train --engine framework`).");
    }

    /// <summary>The readable files of a folder (sorted), those of <paramref name="split"/> when its files are named by split.</summary>
    private static List<string> ReadableFiles(string folder, string? split)
    {
        List<string> all;
        try
        {
            all = Directory.EnumerateFiles(folder)
                .Where(f => ReadableExtensions.Any(e => f.EndsWith(e, StringComparison.OrdinalIgnoreCase)))
                .Where(f => Path.GetFileName(f) is not ("dataset_info.json" or "dataset_infos.json" or "dataset_dict.json" or "config.json"))
                .Order(StringComparer.Ordinal).ToList();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return [];
        }
        if (split is null)
            return all;
        var named = all.Where(f => SplitOf(Path.GetFileName(f)) is not null).ToList();
        // datasets: a folder whose file names name no split is all train.
        if (named.Count == 0)
            return split == "train" ? all : [];
        return named.Where(f => SplitOf(Path.GetFileName(f)) == split).ToList();
    }

    /// <summary>The split a file name names: a keyword at the start or after a separator, followed by one (NON_WORDS_CHARS).</summary>
    internal static string? SplitOf(string fileName)
    {
        static bool Separator(char c) => c is '-' or '.' or '_' or ' ' || char.IsAsciiDigit(c);
        var name = fileName.ToLowerInvariant();
        foreach (var (split, keywords) in SplitKeywords)
        {
            foreach (var keyword in keywords)
            {
                for (var at = name.IndexOf(keyword, StringComparison.Ordinal); at >= 0; at = name.IndexOf(keyword, at + 1, StringComparison.Ordinal))
                {
                    var end = at + keyword.Length;
                    if ((at == 0 || Separator(name[at - 1])) && end < name.Length && Separator(name[end]))
                        return split;
                }
            }
        }
        return null;
    }

    private static bool LooksLikePath(string location) =>
        location.StartsWith('.') || location.StartsWith('/') || location.StartsWith('~') || location.Contains('\\')
        || ReadableExtensions.Concat([".csv", ".parquet", ".arrow", ".txt"]).Any(e => location.EndsWith(e, StringComparison.OrdinalIgnoreCase))
        || location.Count(c => c == '/') > 1;
}
