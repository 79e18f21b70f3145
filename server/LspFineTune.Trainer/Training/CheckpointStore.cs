using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;
using LspFineTune.Trainer.Weights;
using static TorchSharp.torch;

namespace LspFineTune.Trainer.Training;

/// <summary>
/// Training checkpoints under <c>OUTPUT/checkpoints/step-NNNNNNNN/</c>: <c>state.safetensors</c> (trainable weights,
/// optimizer state, RNG state) and <c>manifest.json</c> (step, byte count and SHA-256 of the state file).
/// A checkpoint is written into a temp folder and renamed into place, so a kill at any moment leaves either the
/// whole checkpoint or none. Loading verifies size and checksum first; a damaged checkpoint is reported and skipped,
/// never loaded.
/// </summary>
public sealed class CheckpointStore(string directory, TextWriter log)
{
    public const string StateFile = "state.safetensors";
    public const string ManifestFile = "manifest.json";
    private const string Prefix = "step-";
    private const int FormatVersion = 1;

    public string Directory { get; } = directory;

    /// <summary>A verified checkpoint: its step, tensors (owned by the caller) and metadata.</summary>
    public sealed record Loaded(long Step, string Path, SafeTensorsFile.Contents Contents) : IDisposable
    {
        public void Dispose() => Contents.Dispose();
    }

    public string Save(long step, IEnumerable<(string Name, Tensor Value)> tensors, IReadOnlyDictionary<string, string> metadata, int keep = 2)
    {
        System.IO.Directory.CreateDirectory(Directory);
        var final = Path.Combine(Directory, $"{Prefix}{step:D8}");
        var temp = Path.Combine(Directory, $".tmp-{Prefix}{step:D8}-{Guid.NewGuid():N}");
        System.IO.Directory.CreateDirectory(temp);
        var statePath = Path.Combine(temp, StateFile);
        SafeTensorsFile.Write(statePath, tensors, metadata);
        var manifest = new JsonObject
        {
            ["format_version"] = FormatVersion,
            ["step"] = step,
            ["state_bytes"] = new FileInfo(statePath).Length,
            ["state_sha256"] = Sha256(statePath),
            ["written_utc"] = DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture),
        };
        WriteDurably(Path.Combine(temp, ManifestFile), manifest.ToJsonString(new JsonSerializerOptions { WriteIndented = true }));
        if (System.IO.Directory.Exists(final))
            System.IO.Directory.Delete(final, recursive: true);
        System.IO.Directory.Move(temp, final);
        Prune(keep);
        return final;
    }

    /// <summary>The newest checkpoint that verifies, or null when there is none; damaged ones are reported on the log.</summary>
    public Loaded? LoadLatest()
    {
        foreach (var candidate in Candidates().OrderByDescending(c => c.Step))
        {
            var problem = Verify(candidate.Path);
            if (problem is not null)
            {
                log.WriteLine($"lft-train: checkpoint {candidate.Path} is damaged ({problem}); not loading it.");
                continue;
            }
            return new Loaded(candidate.Step, candidate.Path, SafeTensorsFile.Read(Path.Combine(candidate.Path, StateFile)));
        }
        return null;
    }

    /// <summary>Whether any checkpoint folder exists (damaged or not).</summary>
    public bool Any() => Candidates().Any();

    /// <summary>Null when the checkpoint is whole; otherwise what is wrong with it.</summary>
    public static string? Verify(string checkpointPath)
    {
        var manifestPath = Path.Combine(checkpointPath, ManifestFile);
        var statePath = Path.Combine(checkpointPath, StateFile);
        if (!File.Exists(manifestPath))
            return "no manifest.json";
        if (!File.Exists(statePath))
            return "no state.safetensors";
        JsonObject manifest;
        try
        {
            manifest = JsonNode.Parse(File.ReadAllText(manifestPath)) as JsonObject ?? throw new JsonException("not an object");
        }
        catch (JsonException ex)
        {
            return $"manifest.json is not valid JSON: {ex.Message}";
        }
        var expectedBytes = manifest["state_bytes"]?.GetValue<long>();
        var expectedHash = manifest["state_sha256"]?.GetValue<string>();
        if (expectedBytes is null || expectedHash is null)
            return "manifest.json lacks state_bytes or state_sha256";
        var actualBytes = new FileInfo(statePath).Length;
        if (actualBytes != expectedBytes)
            return $"state.safetensors has {actualBytes} bytes, the manifest says {expectedBytes} (truncated?)";
        if (!string.Equals(Sha256(statePath), expectedHash, StringComparison.OrdinalIgnoreCase))
            return "state.safetensors does not match its SHA-256 checksum (corrupted)";
        return null;
    }

    private IEnumerable<(long Step, string Path)> Candidates()
    {
        if (!System.IO.Directory.Exists(Directory))
            yield break;
        foreach (var path in System.IO.Directory.GetDirectories(Directory, $"{Prefix}*"))
        {
            if (long.TryParse(Path.GetFileName(path)[Prefix.Length..], NumberStyles.None, CultureInfo.InvariantCulture, out var step))
                yield return (step, path);
        }
    }

    private void Prune(int keep)
    {
        foreach (var (_, path) in Candidates().OrderByDescending(c => c.Step).Skip(keep))
            System.IO.Directory.Delete(path, recursive: true);
        // Leftovers of a run killed while writing: never complete, never loaded, safe to remove.
        foreach (var path in System.IO.Directory.GetDirectories(Directory, $".tmp-{Prefix}*"))
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

    private static string Sha256(string path)
    {
        using var stream = File.OpenRead(path);
        return Convert.ToHexStringLower(SHA256.HashData(stream));
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
