using System.Globalization;
using System.Security.Cryptography;
using LspFineTune.Core.Files;
using LspFineTune.Trainer.Files;
using LspFineTune.Trainer.Weights;
using static TorchSharp.torch;

namespace LspFineTune.Trainer.Training;

/// <summary>
/// Training checkpoints under <c>OUTPUT/checkpoints/step-NNNNNNNN/</c>: <c>state.safetensors</c> (trainable weights,
/// optimizer state, RNG state) and <c>manifest.json</c> (<see cref="CheckpointManifest"/>).
/// A checkpoint is written into a temp folder and renamed into place, so a kill at any moment leaves either the
/// whole checkpoint or none. Loading checks every manifest field, the state file's size and checksum and its
/// safetensors layout first; a damaged checkpoint is reported and skipped for the previous one, never loaded.
/// Only folders <see cref="CheckpointOwnership"/> says are the trainer's are ever deleted or replaced.
/// </summary>
public sealed class CheckpointStore(string directory, TextWriter log, CancellationToken cancellation = default)
{
    public const string StateFile = "state.safetensors";
    public const string ManifestFile = "manifest.json";
    private const string Prefix = "step-";

    public string Directory { get; } = directory;

    /// <summary>A verified checkpoint: its step, tensors (owned by the caller) and metadata.</summary>
    public sealed record Loaded(long Step, string Path, SafeTensorsFile.Contents Contents) : IDisposable
    {
        public void Dispose() => Contents.Dispose();
    }

    /// <summary>What a fresh run did with an earlier run's checkpoints: how many it removed, which it kept and why.</summary>
    public sealed record Cleanup(int Removed, IReadOnlyList<(string Path, string Reason)> Kept);

    public string Save(long step, IEnumerable<(string Name, Tensor Value)> tensors, IReadOnlyDictionary<string, string> metadata, int keep = 2)
    {
        System.IO.Directory.CreateDirectory(Directory);
        var final = Path.Combine(Directory, $"{Prefix}{step:D8}");
        if (System.IO.Directory.Exists(final) && CheckpointOwnership.WhyNotTrainers(final) is { } notOurs)
            throw new TrainerException($"{final}: cannot write the checkpoint of step {step} there: that folder exists and {notOurs}, and lft-train never replaces what it did not write. Move the folder away, then continue with --resume.");
        var temp = Path.Combine(Directory, $".tmp-{Prefix}{step:D8}-{Guid.NewGuid():N}");
        System.IO.Directory.CreateDirectory(temp);
        var statePath = Path.Combine(temp, StateFile);
        SafeTensorsFile.Write(statePath, tensors, metadata);
        string hash;
        // Not cancellable: a cancelled run writes this checkpoint on purpose, to resume from.
        using (var state = TrainerFiles.OpenRead(statePath, FileRole.CheckpointState))
            hash = Convert.ToHexStringLower(SHA256.HashData(state));
        var manifest = new CheckpointManifest(step, new FileInfo(statePath).Length, hash);
        WriteDurably(Path.Combine(temp, ManifestFile), manifest.ToJson());
        if (System.IO.Directory.Exists(final))
            System.IO.Directory.Delete(final, recursive: true);
        System.IO.Directory.Move(temp, final);
        Prune(keep);
        return final;
    }

    /// <summary>The newest of the trainer's checkpoints that verifies, or null when there is none; each one skipped is
    /// reported on the log.</summary>
    public Loaded? LoadLatest()
    {
        foreach (var candidate in Candidates().OrderByDescending(c => c.Step))
        {
            var (problem, contents) = Inspect(candidate.Path, candidate.Step, load: true, cancellation);
            if (problem is not null)
            {
                log.WriteLine($"lft-train: checkpoint {candidate.Path} is damaged ({problem}); not loading it, trying the previous one.");
                continue;
            }
            // Whole, but holding what lft-train does not write: not its own, so neither loaded nor deleted.
            if (CheckpointOwnership.WhyNotTrainers(candidate.Path) is { } notOurs)
            {
                contents!.Dispose();
                log.WriteLine($"lft-train: checkpoint {candidate.Path} is not lft-train's ({notOurs}); not loading it, trying the previous one.");
                continue;
            }
            return new Loaded(candidate.Step, candidate.Path, contents!);
        }
        return null;
    }

    /// <summary>Whether any checkpoint folder exists (damaged or not).</summary>
    public bool Any() => Candidates().Any();

    /// <summary>Null when the checkpoint is whole; otherwise what is wrong with it.</summary>
    public static string? Verify(string checkpointPath)
    {
        var name = Path.GetFileName(Path.TrimEndingDirectorySeparator(checkpointPath));
        if (!TryParseStep(name, out var step))
            return $"{name} is not a checkpoint folder name ({Prefix}N)";
        return Inspect(checkpointPath, step, load: false, CancellationToken.None).Problem;
    }

    /// <summary>
    /// Before a fresh run: removes the earlier run's checkpoints (a fresh run must not later resume from them) and
    /// keeps every folder the trainer cannot tell it wrote.
    /// </summary>
    public Cleanup RemoveEarlierRun()
    {
        if (!System.IO.Directory.Exists(Directory))
            return new Cleanup(0, []);
        var removed = 0;
        var kept = new List<(string, string)>();
        foreach (var (_, path) in Candidates().OrderBy(c => c.Step))
        {
            if (CheckpointOwnership.WhyNotTrainers(path) is { } reason)
            {
                kept.Add((path, reason));
                continue;
            }
            System.IO.Directory.Delete(path, recursive: true);
            removed++;
        }
        RemoveLeftovers();
        return new Cleanup(removed, kept);
    }

    private static (string? Problem, SafeTensorsFile.Contents? Contents) Inspect(string path, long step, bool load, CancellationToken cancellation)
    {
        var manifestPath = Path.Combine(path, ManifestFile);
        var statePath = Path.Combine(path, StateFile);
        if (FileStatus.Of(manifestPath).Kind == FileKind.Missing)
            return ("no manifest.json", null);
        if (FileStatus.Of(statePath).Kind == FileKind.Missing)
            return ("no state.safetensors", null);
        try
        {
            var manifest = CheckpointManifest.Parse(TrainerFiles.ReadAllText(manifestPath, FileRole.CheckpointManifest, cancellation), step, out var problem);
            if (manifest is null)
                return (problem, null);
            var status = FileStatus.Of(statePath);
            if (status.Kind == FileKind.Regular && status.Length != manifest.StateBytes)
                return ($"state.safetensors has {status.Length} bytes, the manifest says {manifest.StateBytes} (truncated?)", null);
            var bytes = TrainerFiles.ReadAllBytes(statePath, FileRole.CheckpointState, cancellation);
            if (bytes.LongLength != manifest.StateBytes)
                return ($"state.safetensors has {bytes.LongLength} bytes, the manifest says {manifest.StateBytes} (truncated?)", null);
            if (Convert.ToHexStringLower(SHA256.HashData(bytes)) != manifest.StateSha256)
                return ("state.safetensors does not match its SHA-256 checksum (corrupted)", null);
            var contents = SafeTensorsFile.Parse(bytes, statePath);
            if (contents.Metadata.TryGetValue("step", out var recorded) && recorded != step.ToString(CultureInfo.InvariantCulture))
            {
                contents.Dispose();
                return ($"state.safetensors says step {recorded}, the folder is step {step}", null);
            }
            if (load)
                return (null, contents);
            contents.Dispose();
            return (null, null);
        }
        catch (TrainerException ex)
        {
            // A file that is not regular, cannot be read or does not parse: the checkpoint is damaged, not the run.
            return (ex.Message, null);
        }
    }

    private IEnumerable<(long Step, string Path)> Candidates()
    {
        if (!System.IO.Directory.Exists(Directory))
            yield break;
        foreach (var path in System.IO.Directory.GetDirectories(Directory, $"{Prefix}*"))
        {
            if (TryParseStep(Path.GetFileName(path), out var step))
                yield return (step, path);
        }
    }

    private static bool TryParseStep(string name, out long step)
    {
        step = 0;
        return name.StartsWith(Prefix, StringComparison.Ordinal) && long.TryParse(name[Prefix.Length..], NumberStyles.None, CultureInfo.InvariantCulture, out step);
    }

    private void Prune(int keep)
    {
        foreach (var (_, path) in Candidates().Where(c => CheckpointOwnership.WhyNotTrainers(c.Path) is null).OrderByDescending(c => c.Step).Skip(keep))
            System.IO.Directory.Delete(path, recursive: true);
        RemoveLeftovers();
    }

    /// <summary>Temp folders of a run killed while writing: never complete, never loaded, safe to remove.</summary>
    private void RemoveLeftovers()
    {
        foreach (var path in System.IO.Directory.GetDirectories(Directory, $".tmp-{Prefix}*").Where(CheckpointOwnership.IsTrainersLeftover))
        {
            try
            {
                System.IO.Directory.Delete(path, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }


    private static void WriteDurably(string path, string text)
    {
        using var stream = new FileStream(path, FileMode.CreateNew, FileAccess.Write);
        using var writer = new StreamWriter(stream);
        writer.Write(text);
        writer.Flush();
        stream.Flush(flushToDisk: true);
    }
}
