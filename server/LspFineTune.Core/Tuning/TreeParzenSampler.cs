namespace LspFineTune.Core.Tuning;

/// <summary>A finished trial as the sampler sees it: its parameters and its score (lower is better: an eval loss).</summary>
public sealed record Observation(IReadOnlyDictionary<string, double> Values, double Score);

/// <summary>
/// The tree-structured Parzen estimator (Bergstra et al. 2011, "Algorithms for Hyper-Parameter Optimization"), the
/// Bayesian search Oliver and Wang 2024 run through Optuna, whose defaults this follows: the first trials are drawn at
/// random; then, per dimension, the observations split into the best γ(n) = min(⌈0.25 n⌉, 25) (hyperopt's γ = 0.25; Optuna's 0.1 keeps too few good points in a search of a few dozen trials) and the rest, each is
/// modelled by a Parzen window (a mixture of Gaussians in the dimension's scale, plus a broad prior), 24 candidates are
/// drawn from the good model and the one with the highest ratio l(x)/g(x) is proposed, which maximises the expected
/// improvement. Each trial's draw is seeded by (seed, trial number) alone, so a search that proposes trials in fixed
/// rounds is reproducible however its trials are scheduled.
/// </summary>
public sealed class TreeParzenSampler(SearchSpace space, int seed, int startupTrials = 5, int candidates = 24)
{
    public IReadOnlyDictionary<string, double> Propose(int trialNumber, IReadOnlyList<Observation> observed)
    {
        // Not HashCode.Combine: it is seeded per process, and a search must repeat across runs.
        var random = new Random(unchecked(seed * 1_000_003 + trialNumber * 7_919 + 17));
        var usable = observed.Where(o => double.IsFinite(o.Score)).OrderBy(o => o.Score).ToList();
        var values = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var dimension in space.Dimensions)
        {
            var scale = Scale.Of(dimension);
            var points = usable.Where(o => o.Values.ContainsKey(dimension.Name)).ToList();
            if (points.Count < Math.Max(2, startupTrials))
            {
                values[dimension.Name] = scale.FromUnit(random.NextDouble());
                continue;
            }
            var good = (int)Math.Min(Math.Ceiling(0.25 * points.Count), 25);
            var below = scale.Window(points.Take(good).Select(o => scale.ToInternal(o.Values[dimension.Name])));
            var above = scale.Window(points.Skip(good).Select(o => scale.ToInternal(o.Values[dimension.Name])));
            var best = double.NaN;
            var bestRatio = double.NegativeInfinity;
            for (var c = 0; c < candidates; c++)
            {
                var candidate = below.Sample(random);
                var ratio = Math.Log(below.Density(candidate)) - Math.Log(above.Density(candidate));
                if (ratio > bestRatio)
                    (best, bestRatio) = (candidate, ratio);
            }
            values[dimension.Name] = scale.FromInternal(best);
        }
        return values;
    }

    /// <summary>The space a dimension is modelled in: its logarithm for log-scaled ones, the index for choices.</summary>
    private sealed record Scale(double Low, double High, bool Log, bool Integer, int Choices)
    {
        public static Scale Of(SearchDimension dimension) => dimension switch
        {
            RealDimension r => new(r.Low, r.High, r.Log, false, 0),
            IntegerDimension i => new(i.Low, i.High, i.Log, true, 0),
            ChoiceDimension c => new(0, c.Values.Count - 1, false, true, c.Values.Count),
            _ => throw new ArgumentOutOfRangeException(nameof(dimension)),
        };

        private double InternalLow => Log ? Math.Log(Low) : Low - (Integer ? 0.5 : 0);
        private double InternalHigh => Log ? Math.Log(High) : High + (Integer ? 0.5 : 0);

        public double ToInternal(double value) => Log ? Math.Log(value) : value;

        public double FromInternal(double value)
        {
            var v = Log ? Math.Exp(value) : value;
            v = Math.Clamp(v, Low, High);
            return Integer ? Math.Round(v) : v;
        }

        public double FromUnit(double unit) => FromInternal(InternalLow + unit * (InternalHigh - InternalLow));

        public ParzenWindow Window(IEnumerable<double> points) => Choices > 0
            ? ParzenWindow.Categorical(points.Select(p => (int)p), Choices)
            : ParzenWindow.Continuous(points, InternalLow, InternalHigh);
    }
}
