using System.Globalization;

namespace LspFineTune.Core.Tuning;

public enum DataSizeStanding
{
    /// <summary>No clear curve was measured (too few points, losses that do not fall): nothing to say.</summary>
    Unknown,

    /// <summary>More than two doublings short of where gains flatten: more data is worth getting.</summary>
    FarBelow,

    /// <summary>Within two doublings of the flattening point, either side.</summary>
    Near,

    /// <summary>More than two doublings past it: most of the data buys little for its compute.</summary>
    FarPast,
}

/// <summary>
/// Where a data set of <c>Examples</c> stands on its measured curve. "Far" is two doublings (4x) from the point where
/// a doubling stops improving perplexity by 1%: within that, the next doubling's gain is still within a factor 2^(2α)
/// of the threshold, a matter of taste; beyond it, the curve says clearly which way the data set should move.
/// </summary>
/// <param name="ComputeGrowsWithData">The run trains by epochs, so more data costs more steps (false: a fixed
/// <c>max_steps</c>, where more data costs only its collection).</param>
public sealed record DataSizeVerdict(DataSizeStanding Standing, long Examples, SaturationCurve? Curve, bool ComputeGrowsWithData)
{
    public const double FarFactor = 4;

    /// <summary>A fitted curve is not read further than this many times the largest subset measured: a power law fitted
    /// over a decade of sizes says little about three decades on, so a flattening point beyond is only "not within".</summary>
    public const double MaxExtrapolation = 10;

    /// <summary>The flattening point is an extrapolation when it lies past twice the largest size measured.</summary>
    public bool Extrapolated => Curve?.FlatteningExamples is { } n && n > 2.0 * Curve.LargestMeasured;

    /// <summary>The flattening point lies past what the curve can say (<see cref="MaxExtrapolation"/>).</summary>
    public bool BeyondReach => Curve?.FlatteningExamples is { } n && n > MaxExtrapolation * Curve.LargestMeasured;

    public static DataSizeVerdict Of(SaturationCurve? curve, long examples, bool computeGrowsWithData)
    {
        if (curve is null || !curve.IsClear || curve.FlatteningExamples is not { } flat || !double.IsFinite(flat) || examples <= 0)
            return new DataSizeVerdict(DataSizeStanding.Unknown, examples, curve, computeGrowsWithData);
        var standing = examples * FarFactor < flat ? DataSizeStanding.FarBelow
            : examples > flat * FarFactor ? DataSizeStanding.FarPast
            : DataSizeStanding.Near;
        return new DataSizeVerdict(standing, examples, curve, computeGrowsWithData);
    }

    /// <summary>The verdict in words, citing the measured curve; null when there is no clear curve.</summary>
    public string? Describe()
    {
        if (Curve is not { } curve || Standing == DataSizeStanding.Unknown)
            return null;
        var flat = curve.FlatteningExamples!.Value;
        var measured = $"the data curve measured by `lft data-curve` ({curve.Points.Count} nested subsets, {Count(curve.Points.Min(p => p.Examples))} to {Count(curve.LargestMeasured)} examples, eval loss {Loss(curve.Points.First().EvalLoss)} to {Loss(curve.Points.Last().EvalLoss)})";
        var flattening = BeyondReach
            ? $"gains do not flatten within {MaxExtrapolation:0} times the largest subset ({Count(MaxExtrapolation * curve.LargestMeasured)} examples)"
            : $"gains flatten near {Count(flat)} examples{(Extrapolated ? " (extrapolated past the largest subset)" : "")}";
        switch (Standing)
        {
            case DataSizeStanding.FarBelow:
            {
                var gain = curve.DoublingGain(Examples);
                return string.Create(CultureInfo.InvariantCulture, $"More data would still help: on {measured}, doubling the {Count(Examples)} examples is predicted to lower eval loss by {Loss(gain)} (perplexity {Perplexity(gain)}), and {flattening}. Add examples if you can.");
            }
            case DataSizeStanding.FarPast:
            {
                var gain = curve.DoublingGain(Examples / 2.0);
                return string.Create(CultureInfo.InvariantCulture, $"Most of these {Count(Examples)} examples buy little: on {measured}, {flattening}; the last doubling ({Count(Examples / 2)} to {Count(Examples)}) lowers eval loss by only {Loss(gain)} (perplexity {Perplexity(gain)}){(ComputeGrowsWithData ? $" for half of the run's compute. A subset of about {Count(flat)} examples trains {Examples / flat:0.#}x faster" : "")}.");
            }
            default:
                return $"The data set is about the right size: on {measured}, {flattening}; this file trains on {Count(Examples)}.";
        }
    }

    private static string Count(double examples) => Math.Round(examples).ToString("N0", CultureInfo.InvariantCulture);

    private static string Loss(double loss) => loss.ToString(Math.Abs(loss) >= 0.1 ? "0.00" : "0.000", CultureInfo.InvariantCulture);

    /// <summary>A loss drop of d nats is a perplexity ratio of e^(−d).</summary>
    private static string Perplexity(double drop) => (Math.Exp(-drop) - 1).ToString("+0.0%;-0.0%", CultureInfo.InvariantCulture);
}
