using System.Text.Json.Nodes;

namespace LspFineTune.Server.Tuning;

/// <summary>One trial of a sweep: its parameters (as the config writes them; the baseline's are the config's own),
/// its early score, its final score when it ran to the end, the seconds both runs took, and why it failed if it did.</summary>
public sealed record SweepTrial(int Number, IReadOnlyDictionary<string, double> Values, IReadOnlyDictionary<string, string> Parameters, string Folder)
{
    public bool IsBaseline => Number == 0;

    public double? EarlyEvalLoss { get; set; }
    public double? FinalEvalLoss { get; set; }
    public double Seconds { get; set; }
    public string? Problem { get; set; }

    public JsonObject ToJson() => new()
    {
        ["trial"] = Number,
        ["baseline"] = IsBaseline,
        ["params"] = new JsonObject(Parameters.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)p.Value))),
        ["early_eval_loss"] = EarlyEvalLoss,
        ["final_eval_loss"] = FinalEvalLoss,
        ["seconds"] = Math.Round(Seconds, 2),
        ["problem"] = Problem,
    };
}
