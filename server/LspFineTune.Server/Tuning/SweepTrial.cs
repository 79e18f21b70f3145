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

    /// <summary>Its line in the results file (<see cref="SweepResultsFile"/> reads it back), with the step it was
    /// scored at of its whole schedule.</summary>
    public JsonObject ToJson(long earlySteps, long totalSteps) => new()
    {
        ["trial"] = Number,
        ["baseline"] = IsBaseline,
        ["params"] = new JsonObject(Parameters.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)p.Value))),
        ["early_eval_loss"] = EarlyEvalLoss,
        ["final_eval_loss"] = FinalEvalLoss,
        ["seconds"] = Math.Round(Seconds, 2),
        ["problem"] = Problem,
        ["early_steps"] = earlySteps,
        ["total_steps"] = totalSteps,
    };
}
