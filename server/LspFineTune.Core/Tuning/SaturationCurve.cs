namespace LspFineTune.Core.Tuning;

/// <summary>One measured point of a data curve: eval loss after training on the first <c>Examples</c> of the data.</summary>
public sealed record CurvePoint(long Examples, double EvalLoss);

/// <summary>
/// Eval loss against data-set size, L(n) = L∞ + A·n^(−α): the power law with an irreducible floor that data-scaling
/// studies fit (Hestness et al. 2017, "Deep Learning Scaling is Predictable, Empirically"; Kaplan et al. 2020 §3 and
/// Hoffmann et al. 2022 use the same form for data). It falls ever more slowly and never below L∞, which is the
/// saturation Oliver and Wang 2024 measured for LoRA fine-tuning (200 examples already help; gains flatten near 6,500).
/// </summary>
public sealed record SaturationCurve(double Floor, double Scale, double Exponent, double RSquared, IReadOnlyList<CurvePoint> Points)
{
    /// <summary>Doubling the data "no longer pays" when it improves eval perplexity by less than 1%: a loss drop of
    /// ln 1.01 nats. A drop in mean cross-entropy is the log of a perplexity ratio, so the threshold means the same for
    /// any model, vocabulary or loss level.</summary>
    public static readonly double FlatDoublingGain = Math.Log(1.01);

    /// <summary>Fewer points than parameters cannot show a curve.</summary>
    public const int MinimumPoints = 3;

    /// <summary>The exponents searched: data exponents reported for language models lie around 0.07–0.5 (Kaplan: 0.095,
    /// Hestness: 0.07–0.35 for word and character LMs; fine-tuning curves are steeper), so [0.01, 3] holds all of them
    /// with room on both sides.</summary>
    private const double MinimumExponent = 0.01;

    private const double MaximumExponent = 3.0;

    private const int ExponentSteps = 600;

    /// <summary>The predicted eval loss after training on <paramref name="examples"/> examples.</summary>
    public double Loss(double examples) => Floor + Scale * Math.Pow(examples, -Exponent);

    /// <summary>How much doubling the data from <paramref name="examples"/> lowers the loss: A·n^(−α)·(1 − 2^(−α)).</summary>
    public double DoublingGain(double examples) => Scale * Math.Pow(examples, -Exponent) * (1 - Math.Pow(2, -Exponent));

    /// <summary>The size from which a doubling lowers the loss by less than <see cref="FlatDoublingGain"/>: where gains
    /// flatten. Solves A·n^(−α)(1 − 2^(−α)) = ln 1.01 for n; null when the curve does not fall at all.</summary>
    public double? FlatteningExamples =>
        Scale > 0 && Exponent > 0 ? Math.Pow(Scale * (1 - Math.Pow(2, -Exponent)) / FlatDoublingGain, 1 / Exponent) : null;

    /// <summary>The curve falls (a positive scale) and explains most of the variation in the measured losses. Below that
    /// the losses are noise around a level, or rise, and no point of flattening can be read from them.</summary>
    public bool IsClear => Scale > 0 && RSquared >= 0.8;

    public long LargestMeasured => Points.Max(p => p.Examples);

    /// <summary>
    /// The least-squares fit: for each exponent on a log grid, L∞ and A are a linear regression of the losses on n^(−α)
    /// (L∞ held at 0 or above; A held at 0 when the regression would make it negative: a curve that rises with data is
    /// not a saturation curve); the exponent with the smallest squared error wins. Null for fewer than <see cref="MinimumPoints"/>
    /// distinct sizes.
    /// </summary>
    public static SaturationCurve? Fit(IReadOnlyList<CurvePoint> points)
    {
        var usable = points.Where(p => p.Examples > 0 && double.IsFinite(p.EvalLoss)).OrderBy(p => p.Examples).ToList();
        if (usable.Select(p => p.Examples).Distinct().Count() < MinimumPoints)
            return null;
        var losses = usable.Select(p => p.EvalLoss).ToArray();
        var sizes = usable.Select(p => (double)p.Examples).ToArray();
        var bestStep = 0;
        var bestError = double.PositiveInfinity;
        for (var step = 0; step <= ExponentSteps; step++)
        {
            var error = Evaluate(sizes, losses, ExponentAt(step)).Error;
            if (error < bestError)
                (bestError, bestStep) = (error, step);
        }
        // Then a golden-section search between the grid's neighbours of the best: the exponent to 1e-9, so the
        // flattening point (which depends on 1/α) does not carry the grid's spacing.
        var low = ExponentAt(Math.Max(0, bestStep - 1));
        var high = ExponentAt(Math.Min(ExponentSteps, bestStep + 1));
        var ratio = (Math.Sqrt(5) - 1) / 2;
        while (high - low > 1e-9)
        {
            var left = high - ratio * (high - low);
            var right = low + ratio * (high - low);
            if (Evaluate(sizes, losses, left).Error <= Evaluate(sizes, losses, right).Error)
                high = right;
            else
                low = left;
        }
        var exponent = Evaluate(sizes, losses, (low + high) / 2).Error <= bestError ? (low + high) / 2 : ExponentAt(bestStep);
        var (floor, scale, squaredError) = Evaluate(sizes, losses, exponent);
        var mean = losses.Average();
        var total = losses.Sum(y => (y - mean) * (y - mean));
        return new SaturationCurve(floor, scale, exponent, total > 0 ? 1 - squaredError / total : 0, usable);
    }

    private static double ExponentAt(int step) => MinimumExponent * Math.Pow(MaximumExponent / MinimumExponent, (double)step / ExponentSteps);

    /// <summary>The best floor and scale for one exponent, and their squared error.</summary>
    private static (double Floor, double Scale, double Error) Evaluate(double[] sizes, double[] losses, double exponent)
    {
        var x = sizes.Select(n => Math.Pow(n, -exponent)).ToArray();
        var (floor, scale) = Regress(x, losses);
        var error = 0.0;
        for (var i = 0; i < x.Length; i++)
            error += Math.Pow(losses[i] - (floor + scale * x[i]), 2);
        return (floor, scale, error);
    }

    /// <summary>Ordinary least squares of y on x with a non-negative slope and a non-negative intercept: the floor is a
    /// cross-entropy, which is never below 0 (when the free fit puts it there, the line through the origin is the fit).</summary>
    private static (double Intercept, double Slope) Regress(double[] x, double[] y)
    {
        var (intercept, slope) = FreeRegress(x, y);
        if (intercept >= 0)
            return (intercept, slope);
        var squares = x.Sum(v => v * v);
        return (0, squares > 0 ? Math.Max(0, x.Zip(y, (a, b) => a * b).Sum() / squares) : 0);
    }

    private static (double Intercept, double Slope) FreeRegress(double[] x, double[] y)
    {
        var meanX = x.Average();
        var meanY = y.Average();
        double covariance = 0, variance = 0;
        for (var i = 0; i < x.Length; i++)
        {
            covariance += (x[i] - meanX) * (y[i] - meanY);
            variance += (x[i] - meanX) * (x[i] - meanX);
        }
        var slope = variance > 0 ? Math.Max(0, covariance / variance) : 0;
        return (meanY - slope * meanX, slope);
    }
}
