using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using LspFineTune.Core.Files;

namespace LspFineTune.Core.Tuning;

/// <summary>One subset's run in a data curve: its size, the steps it trained, its eval loss (null when it failed).</summary>
public sealed record DataCurveRun(long Examples, long Steps, double? EvalLoss, double Seconds, string? Problem);

/// <summary>
/// What <c>lft data-curve</c> measured for a config, kept next to it as <c>NAME.data-curve.json</c> (for
/// <c>NAME.yaml</c>) so the editor's finding and hover can cite the measured curve: the train file (relative to the
/// config's folder), its size, how each subset's schedule was chosen, and each subset's run.
/// </summary>
public sealed record DataCurveRecord(string Config, string Train, long Examples, string Budget, IReadOnlyList<DataCurveRun> Runs, DateTimeOffset Time)
{
    public const string Suffix = ".data-curve.json";

    /// <summary>Each subset trained the whole run's epochs (its steps scaled with its size): compute grows with data.</summary>
    public const string EpochsBudget = "epochs";

    /// <summary>Each subset trained the whole run's steps: the same compute, more epochs on less data.</summary>
    public const string StepsBudget = "steps";

    /// <summary>A record is a few KB; reading stops well above that.</summary>
    public const long MaxBytes = 1024 * 1024;

    /// <summary>The runs that reported an eval loss, as curve points.</summary>
    public IReadOnlyList<CurvePoint> Points => Runs.Where(r => r.EvalLoss is not null).Select(r => new CurvePoint(r.Examples, r.EvalLoss!.Value)).ToList();

    public static string PathFor(string configPath) => Path.ChangeExtension(Path.GetFullPath(configPath), null) + Suffix;

    /// <summary>The train file as an absolute path, resolved against the config's folder.</summary>
    public string TrainPath(string configPath) => Path.GetFullPath(Path.Combine(Path.GetDirectoryName(Path.GetFullPath(configPath)) ?? ".", Train));

    /// <summary>The record for a config, through the cached file access; null when there is none or it does not parse.</summary>
    public static DataCurveRecord? Read(IAuxiliaryFiles files, string configPath) =>
        files.ReadText(PathFor(configPath), MaxBytes).Text is { } text ? Parse(text) : null;

    public static DataCurveRecord? Parse(string text)
    {
        try
        {
            if (JsonNode.Parse(text) is not JsonObject root
                || root["config"]?.GetValue<string>() is not { } config
                || root["train"]?.GetValue<string>() is not { } train
                || root["examples"]?.GetValue<long>() is not { } examples
                || root["runs"] is not JsonArray runs)
                return null;
            var parsed = new List<DataCurveRun>();
            foreach (var run in runs.OfType<JsonObject>())
            {
                if (run["examples"]?.GetValue<long>() is not { } size || size <= 0)
                    return null;
                parsed.Add(new DataCurveRun(size, run["steps"]?.GetValue<long>() ?? 0, run["eval_loss"]?.GetValue<double>(),
                    run["seconds"]?.GetValue<double>() ?? 0, run["problem"]?.GetValue<string>()));
            }
            var time = DateTimeOffset.TryParse(root["time"]?.GetValue<string>(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var t) ? t : DateTimeOffset.MinValue;
            return new DataCurveRecord(config, train, examples, root["budget"]?.GetValue<string>() is StepsBudget ? StepsBudget : EpochsBudget, parsed, time);
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException or FormatException)
        {
            return null; // a hand-edited or truncated record is no record
        }
    }

    public JsonObject ToJson(SaturationCurve? curve) => new()
    {
        ["config"] = Config,
        ["time"] = Time.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ssZ", CultureInfo.InvariantCulture),
        ["train"] = Train,
        ["examples"] = Examples,
        ["budget"] = Budget,
        ["runs"] = new JsonArray(Runs.Select(r => (JsonNode)new JsonObject
        {
            ["examples"] = r.Examples,
            ["steps"] = r.Steps,
            ["eval_loss"] = r.EvalLoss,
            ["seconds"] = Math.Round(r.Seconds, 2),
            ["problem"] = r.Problem,
        }).ToArray()),
        ["fit"] = curve is null ? null : new JsonObject
        {
            ["floor"] = curve.Floor,
            ["scale"] = curve.Scale,
            ["exponent"] = curve.Exponent,
            ["r_squared"] = curve.RSquared,
            ["flattening_examples"] = curve.FlatteningExamples is { } n && double.IsFinite(n) ? Math.Round(n) : null,
        },
    };

    /// <summary>Writes the record next to the config (whole or not at all: a temporary file, then a rename).</summary>
    public string Write(string configPath, SaturationCurve? curve)
    {
        var path = PathFor(configPath);
        var temporary = path + ".tmp";
        File.WriteAllText(temporary, ToJson(curve).ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n");
        File.Move(temporary, path, overwrite: true);
        return path;
    }
}
