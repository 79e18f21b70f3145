namespace LspFineTune.Core.Tuning;

/// <summary>
/// A density estimate from a few observed values, as TPE uses it. Continuous: an equal mixture of Gaussians truncated
/// to the range, one at each point with a width of the larger gap to its neighbours (clipped between range/min(100,
/// n+1) and the range, Bergstra et al.'s and Optuna's rule), and one broad prior at the centre. Categorical: the counts
/// plus one for every category, so an unseen category keeps a chance.
/// </summary>
internal sealed class ParzenWindow
{
    private readonly double[] _means;
    private readonly double[] _widths;
    private readonly double[] _weights;
    private readonly double _low;
    private readonly double _high;
    private readonly bool _categorical;

    private ParzenWindow(double[] means, double[] widths, double[] weights, double low, double high, bool categorical)
    {
        (_means, _widths, _weights, _low, _high, _categorical) = (means, widths, weights, low, high, categorical);
    }

    public static ParzenWindow Continuous(IEnumerable<double> points, double low, double high)
    {
        var range = high - low;
        var sorted = points.Append((low + high) / 2).Order().ToArray();
        var priorIndex = Array.IndexOf(sorted, (low + high) / 2);
        var minimum = range / Math.Min(100.0, sorted.Length);
        var widths = new double[sorted.Length];
        for (var i = 0; i < sorted.Length; i++)
        {
            var left = i > 0 ? sorted[i] - sorted[i - 1] : sorted[i] - low;
            var right = i < sorted.Length - 1 ? sorted[i + 1] - sorted[i] : high - sorted[i];
            widths[i] = Math.Clamp(Math.Max(left, right), minimum, range);
        }
        widths[priorIndex] = range;
        var weights = Enumerable.Repeat(1.0 / sorted.Length, sorted.Length).ToArray();
        return new ParzenWindow(sorted, widths, weights, low, high, categorical: false);
    }

    public static ParzenWindow Categorical(IEnumerable<int> points, int count)
    {
        var weights = Enumerable.Repeat(1.0, count).ToArray();
        foreach (var point in points)
            weights[Math.Clamp(point, 0, count - 1)] += 1;
        var total = weights.Sum();
        return new ParzenWindow(Enumerable.Range(0, count).Select(i => (double)i).ToArray(), new double[count], weights.Select(w => w / total).ToArray(), 0, count - 1, categorical: true);
    }

    public double Sample(Random random)
    {
        var component = Pick(random);
        if (_categorical)
            return _means[component];
        // Rejection keeps the truncated shape; a component far outside the range falls back to the nearest end.
        for (var attempt = 0; attempt < 64; attempt++)
        {
            var value = _means[component] + _widths[component] * Normal(random);
            if (value >= _low && value <= _high)
                return value;
        }
        return Math.Clamp(_means[component], _low, _high);
    }

    public double Density(double value)
    {
        if (_categorical)
            return _weights[(int)Math.Clamp(Math.Round(value), 0, _weights.Length - 1)];
        var density = 0.0;
        for (var i = 0; i < _means.Length; i++)
        {
            var mass = NormalCdf((_high - _means[i]) / _widths[i]) - NormalCdf((_low - _means[i]) / _widths[i]);
            var z = (value - _means[i]) / _widths[i];
            density += _weights[i] * Math.Exp(-0.5 * z * z) / (_widths[i] * Math.Sqrt(2 * Math.PI) * Math.Max(mass, 1e-12));
        }
        return Math.Max(density, 1e-300);
    }

    private int Pick(Random random)
    {
        var u = random.NextDouble();
        for (var i = 0; i < _weights.Length; i++)
        {
            u -= _weights[i];
            if (u <= 0)
                return i;
        }
        return _weights.Length - 1;
    }

    /// <summary>A standard normal draw (Box–Muller).</summary>
    private static double Normal(Random random) =>
        Math.Sqrt(-2 * Math.Log(1 - random.NextDouble())) * Math.Cos(2 * Math.PI * random.NextDouble());

    /// <summary>Φ(x) through erfc, with the Abramowitz–Stegun 7.1.26 approximation (|error| below 1.5e-7).</summary>
    private static double NormalCdf(double x)
    {
        var t = 1 / (1 + 0.3275911 * Math.Abs(x) / Math.Sqrt(2));
        var erfc = t * (0.254829592 + t * (-0.284496736 + t * (1.421413741 + t * (-1.453152027 + t * 1.061405429)))) * Math.Exp(-x * x / 2);
        return x >= 0 ? 1 - erfc / 2 : erfc / 2;
    }
}
