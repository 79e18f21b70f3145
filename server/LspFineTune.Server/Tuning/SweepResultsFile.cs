using System.Text.Json;
using System.Text.Json.Nodes;
using LspFineTune.Core.Files;

namespace LspFineTune.Server.Tuning;

/// <summary>One line of a results file: a trial (the baseline is trial 0, the config as written), its parameters as the
/// config writes them, its early score, its final score when it ran to the end, and the step it was scored at.</summary>
public sealed record RecordedTrial(int Number, IReadOnlyDictionary<string, string> Parameters, double? EarlyEvalLoss, double? FinalEvalLoss, double Seconds, string? Problem, long? EarlySteps, long? TotalSteps)
{
    public bool IsBaseline => Number == 0;
}

/// <summary>What a results file holds: its trials, the best by final score (the lower number on a tie, as the sweep
/// chooses), and Spearman's rho between early and final scores.</summary>
public sealed record RecordedSweep(string Path, RecordedTrial? Baseline, IReadOnlyList<RecordedTrial> Trials, RecordedTrial? Best, double? RankCorrelation, DateTime Written);

/// <summary>
/// Reads back `NAME.sweep.jsonl` (what <see cref="Sweep"/> writes after each round), so the editor's results view shows
/// the last sweep of a config whoever ran it (the editor or `lft sweep`) and survives a restart. The file is the user's:
/// it is read as any other (regular files only, capped) and a line that is not a trial is said by its number.
/// </summary>
public static class SweepResultsFile
{
    /// <summary>Far more than a sweep writes (a trial is ~300 bytes): a bigger file is not a results file.</summary>
    public const long MaxBytes = 4L * 1024 * 1024;

    /// <summary>The sweep recorded next to <paramref name="configPath"/>; null with <paramref name="problem"/> null when
    /// there is none, null with a problem when it cannot be read.</summary>
    public static RecordedSweep? Read(string configPath, out string? problem)
    {
        var path = Sweep.ResultsPath(configPath);
        problem = null;
        if (!File.Exists(path))
            return null;
        var text = RegularFile.ReadText(path, MaxBytes, out problem);
        if (text is null)
        {
            problem = $"{System.IO.Path.GetFileName(path)} cannot be read ({problem})";
            return null;
        }
        var trials = new List<RecordedTrial>();
        var lines = text.Split('\n');
        for (var i = 0; i < lines.Length; i++)
        {
            if (lines[i].Trim().Length == 0)
                continue;
            if (Parse(lines[i]) is not { } trial)
            {
                problem = $"{System.IO.Path.GetFileName(path)} line {i + 1} is not a trial of `lft sweep`; run the search again to rewrite it";
                return null;
            }
            trials.Add(trial);
        }
        var finished = trials.Where(t => t.EarlyEvalLoss is not null && t.FinalEvalLoss is not null).ToList();
        var best = trials.Where(t => t.FinalEvalLoss is not null).OrderBy(t => t.FinalEvalLoss).ThenBy(t => t.Number).FirstOrDefault();
        var rho = Sweep.EarlyFinalCorrelation(finished.Select(t => (t.EarlyEvalLoss!.Value, t.FinalEvalLoss!.Value)).ToList());
        return new RecordedSweep(path, trials.FirstOrDefault(t => t.IsBaseline), trials.Where(t => !t.IsBaseline).ToList(), best, rho, File.GetLastWriteTimeUtc(path));
    }

    private static RecordedTrial? Parse(string line)
    {
        JsonObject? json;
        try
        {
            json = JsonNode.Parse(line, documentOptions: new JsonDocumentOptions { MaxDepth = 8 }) as JsonObject;
        }
        catch (JsonException)
        {
            return null;
        }
        if (json is null || Long(json["trial"]) is not { } number || number is < 0 or > int.MaxValue || json["params"] is not JsonObject parameters)
            return null;
        var values = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in parameters)
        {
            if (value is not JsonValue scalar || !scalar.TryGetValue<string>(out var text))
                return null;
            values[key] = text;
        }
        return new RecordedTrial((int)number, values, Number(json["early_eval_loss"]), Number(json["final_eval_loss"]), Number(json["seconds"]) ?? 0,
            json["problem"] is JsonValue problem && problem.TryGetValue<string>(out var why) ? why : null,
            Long(json["early_steps"]), Long(json["total_steps"]));
    }

    private static double? Number(JsonNode? node) =>
        node is JsonValue value && value.TryGetValue<double>(out var number) && double.IsFinite(number) ? number : null;

    private static long? Long(JsonNode? node) =>
        node is JsonValue value && value.TryGetValue<long>(out var number) ? number : null;
}
