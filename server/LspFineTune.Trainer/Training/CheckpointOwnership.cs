using System.Text.RegularExpressions;
using LspFineTune.Core.Files;
using LspFineTune.Trainer.Files;

namespace LspFineTune.Trainer.Training;

/// <summary>
/// Decides which folders under <c>OUTPUT/checkpoints</c> lft-train may delete or replace: only those it can tell it
/// wrote. A checkpoint folder is the trainer's when its name is <c>step-N</c>, it holds lft-train's own manifest.json
/// (its writer, or the fields of one written before the writer field existed) and nothing but the files lft-train
/// writes there; a temp folder when its name is lft-train's <c>.tmp-step-N-GUID</c> and it holds only those files.
/// Anything else (a folder a user made, copied or added to) is kept, whatever its name.
/// </summary>
internal static partial class CheckpointOwnership
{
    /// <summary>Null when the folder is the trainer's; otherwise why it is not (for "kept X: …" lines).</summary>
    public static string? WhyNotTrainers(string folder)
    {
        if (IsLink(folder))
            return "it is a symbolic link, and lft-train writes real folders";
        var manifestPath = Path.Combine(folder, CheckpointStore.ManifestFile);
        if (FileStatus.Of(manifestPath).Kind != FileKind.Regular)
            return "it has no lft-train manifest.json";
        try
        {
            if (!CheckpointManifest.IsTrainers(TrainerFiles.ReadAllText(manifestPath, FileRole.CheckpointManifest)))
                return "its manifest.json is not one lft-train wrote";
        }
        catch (TrainerException)
        {
            return "its manifest.json cannot be read";
        }
        return ForeignEntries(folder);
    }

    /// <summary>Whether a temp folder is what a run killed while writing a checkpoint left behind.</summary>
    public static bool IsTrainersLeftover(string folder) =>
        LeftoverName().IsMatch(Path.GetFileName(folder)) && !IsLink(folder) && ForeignEntries(folder) is null;

    /// <summary>Null when every entry is a file lft-train writes into a checkpoint folder; otherwise what else is there.</summary>
    private static string? ForeignEntries(string folder)
    {
        string[] entries;
        try
        {
            entries = Directory.GetFileSystemEntries(folder);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            return $"it cannot be listed ({ex.Message.TrimEnd('.')})";
        }
        var foreign = entries
            .Where(entry => !(FileStatus.Of(entry).Kind == FileKind.Regular && IsTrainersFileName(Path.GetFileName(entry)) && !IsLink(entry)))
            .Select(Path.GetFileName)
            .Order(StringComparer.Ordinal)
            .ToList();
        return foreign.Count == 0 ? null : $"it holds {string.Join(", ", foreign.Take(3))}{(foreign.Count > 3 ? $" and {foreign.Count - 3} more" : "")}, which lft-train does not write";
    }

    private static bool IsTrainersFileName(string name) =>
        name is CheckpointStore.ManifestFile or CheckpointStore.StateFile || StateTempName().IsMatch(name);

    private static bool IsLink(string path) => new FileInfo(path).LinkTarget is not null || new DirectoryInfo(path).LinkTarget is not null;

    /// <summary>SafeTensorsFile.Write's temp file: ".state.safetensors.GUID.tmp".</summary>
    [GeneratedRegex(@"^\.state\.safetensors\.[0-9a-f]{32}\.tmp$")]
    private static partial Regex StateTempName();

    [GeneratedRegex(@"^\.tmp-step-[0-9]{8,}-[0-9a-f]{32}$")]
    private static partial Regex LeftoverName();
}
