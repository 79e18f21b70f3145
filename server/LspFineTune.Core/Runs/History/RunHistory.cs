using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using LspFineTune.Core.Planning;

namespace LspFineTune.Core.Runs.History;

/// <summary>
/// The run history next to a config: <c>.lft/runs.jsonl</c> in the config's folder, one JSON object per run, appended
/// (never rewritten, so a crash mid-write loses at most its own line; a line that does not parse is skipped on reading).
/// </summary>
public static class RunHistory
{
    public const string Folder = ".lft";

    public const string FileName = "runs.jsonl";

    /// <summary>Reading stops at this size: a history is a few hundred bytes a run.</summary>
    public const long MaxBytes = 16L * 1024 * 1024;

    public static string PathFor(string configPath) =>
        Path.Combine(Path.GetDirectoryName(Path.GetFullPath(configPath)) ?? ".", Folder, FileName);

    /// <summary>The SHA-256 of the config's text (UTF-8), lower-case hex: which version of the file ran.</summary>
    public static string Hash(string configText) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(configText)));

    /// <summary>Appends the record; returns the history's path. Throws <see cref="IOException"/> or
    /// <see cref="UnauthorizedAccessException"/> when the folder cannot be written.</summary>
    public static string Append(string configPath, RunRecord record)
    {
        var path = PathFor(configPath);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        var line = Encoding.UTF8.GetBytes(ToJson(record).ToJsonString() + "\n");
        // One write of the whole line to a file opened for appending: lines of runs that end together do not interleave.
        using var stream = new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite);
        stream.Write(line);
        return path;
    }

    /// <summary>The newest run of this config that measured a peak, read through the cached file access (the editor asks
    /// on every code lens request; the cache re-reads only when the history changed); null when there is none.</summary>
    public static JsonObject? LastMeasured(Files.IAuxiliaryFiles files, string configPath) =>
        files.ReadText(PathFor(configPath), MaxBytes).Text is { } text ? LastMeasured(text, Path.GetFileName(configPath)) : null;

    /// <summary>The newest run of this config (by file name) that measured a peak, from the history's text; null when none.</summary>
    public static JsonObject? LastMeasured(string historyText, string configName)
    {
        var lines = historyText.Split('\n');
        for (var i = lines.Length - 1; i >= 0; i--)
        {
            if (Parse(lines[i]) is { } run && (string?)run["config"] == configName && run["measured"]?["peak_bytes"] is JsonValue)
                return run;
        }
        return null;
    }

    private static JsonObject? Parse(string line)
    {
        if (line.Length == 0 || line[0] != '{')
            return null;
        try
        {
            return JsonNode.Parse(line) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    public static JsonObject ToJson(RunRecord record) => new()
    {
        ["time"] = record.Time.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
        ["config"] = record.Config,
        ["config_sha256"] = record.ConfigSha256,
        ["dialect"] = record.Dialect,
        ["engine"] = record.Engine,
        ["framework"] = record.Framework,
        ["command"] = record.Command,
        ["hardware"] = record.Hardware is { } hardware
            ? new JsonObject { ["gpu"] = hardware.Gpu, ["gpus_per_node"] = hardware.GpusPerNode, ["nodes"] = hardware.Nodes, ["source"] = hardware.Source }
            : null,
        ["estimate"] = record.Estimate is { } estimate
            ? new JsonObject
            {
                ["peak_bytes_per_gpu"] = estimate.PeakBytes,
                ["allocated_bytes"] = estimate.AllocatedBytes,
                ["reserved_bytes"] = estimate.ReservedBytes,
                ["step_seconds"] = Finite(estimate.StepSeconds),
                ["tokens_per_second_per_gpu"] = Finite(estimate.TokensPerSecondPerGpu),
            }
            : null,
        ["measured"] = new JsonObject
        {
            ["peak_bytes"] = record.Measured.PeakBytes,
            ["peak_kind"] = record.Measured.PeakBytes is null ? null : PlanEnumNames.ToConfigName(record.Measured.Kind),
            ["peak_source"] = record.Measured.Source,
            ["steps"] = record.Measured.Steps,
            ["final_loss"] = Finite(record.Measured.FinalLoss),
            ["tokens_per_second_per_gpu"] = Finite(record.Measured.TokensPerSecondPerGpu),
            ["steps_per_second"] = Finite(record.Measured.StepsPerSecond),
        },
        ["exit"] = new JsonObject { ["code"] = record.ExitCode, ["outcome"] = PlanEnumNames.ToConfigName(record.Outcome) },
        ["seconds"] = Math.Round(record.Seconds, 1),
    };

    private static double? Finite(double? value) => value is { } v && double.IsFinite(v) ? v : null;
}
