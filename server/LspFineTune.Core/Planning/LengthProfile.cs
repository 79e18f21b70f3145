namespace LspFineTune.Core.Planning;

/// <summary>
/// The distribution of example lengths in tokens, as evenly spaced quantiles of the data (or a stated longest and mean).
/// An unpacked micro-batch of b examples is padded to its longest member (the Hugging Face collators' default
/// <c>padding=True</c>, "longest"; torchtune's padded_collate_sft), so a step costs b x the longest of b draws, and the
/// peak memory comes with the longest example of the data set.
/// </summary>
public sealed record LengthProfile
{
    /// <summary>Quantiles of the example lengths, ascending (at least one).</summary>
    public required IReadOnlyList<double> Quantiles { get; init; }

    /// <summary>Where the lengths come from ("data.jsonl", "modeline"), for the estimate's notes.</summary>
    public required string Source { get; init; }

    public double Longest => Quantiles[^1];

    public double Mean => Quantiles.Average();

    /// <summary>At most this many quantiles are kept: enough to resolve the longest of a 64-example batch.</summary>
    public const int MaxQuantiles = 512;

    /// <summary>The quantiles of measured lengths (any order).</summary>
    public static LengthProfile? FromLengths(IEnumerable<double> lengths, string source)
    {
        var sorted = lengths.Where(l => l > 0 && double.IsFinite(l)).Order().ToArray();
        if (sorted.Length == 0)
            return null;
        var count = Math.Min(MaxQuantiles, sorted.Length);
        var quantiles = new double[count];
        for (var i = 0; i < count; i++)
        {
            // The midpoint of each of `count` equal shares of the data, and the maximum as the last one.
            var index = i == count - 1 ? sorted.Length - 1 : (int)((i + 0.5) * sorted.Length / count);
            quantiles[i] = sorted[index];
        }
        return new LengthProfile { Quantiles = quantiles, Source = source };
    }

    /// <summary>
    /// A stated longest and mean, used when the data is not at hand: lengths 1 + (longest − 1) u^k for u uniform on
    /// [0, 1], whose mean is 1 + (longest − 1)/(k + 1), so k = (longest − 1)/(mean − 1) − 1 keeps the stated mean, and
    /// the largest draw is the stated longest. A shape, not a measurement: the estimate names it as stated.
    /// </summary>
    public static LengthProfile Stated(double longest, double mean, string source)
    {
        longest = Math.Max(1, longest);
        mean = Math.Clamp(mean, 1, longest);
        const int count = 256;
        if (mean >= longest || longest <= 1)
            return new LengthProfile { Quantiles = Enumerable.Repeat(longest, count).ToArray(), Source = source };
        var k = mean <= 1 ? 1e6 : Math.Max(1e-3, (longest - 1) / (mean - 1) - 1);
        var quantiles = Enumerable.Range(0, count)
            .Select(i => i == count - 1 ? longest : 1 + (longest - 1) * Math.Pow((i + 0.5) / count, k))
            .ToArray();
        return new LengthProfile { Quantiles = quantiles, Source = source };
    }

    /// <summary>The lengths of a mixture of data sets, each weighing by its examples: the quantiles of the pooled data.</summary>
    public static LengthProfile Mix(IReadOnlyList<(LengthProfile Lengths, long Examples)> parts, string source)
    {
        if (parts.Count == 1)
            return parts[0].Lengths with { Source = source };
        // Each quantile of a part stands for an equal share of that part's examples.
        var weighted = parts.SelectMany(p => p.Lengths.Quantiles.Select(q => (Value: q, Weight: Math.Max(1, p.Examples) / (double)p.Lengths.Quantiles.Count)))
            .OrderBy(w => w.Value).ToList();
        var total = weighted.Sum(w => w.Weight);
        var quantiles = new double[Math.Min(MaxQuantiles, weighted.Count)];
        var cumulative = 0.0;
        var next = 0;
        foreach (var (value, weight) in weighted)
        {
            cumulative += weight;
            while (next < quantiles.Length && cumulative >= (next + 0.5) / quantiles.Length * total)
                quantiles[next++] = value;
        }
        for (; next < quantiles.Length; next++)
            quantiles[next] = weighted[^1].Value;
        quantiles[^1] = weighted[^1].Value;
        return new LengthProfile { Quantiles = quantiles, Source = source };
    }

    /// <summary>
    /// The expected longest of <paramref name="batch"/> independent draws, each cut at <paramref name="cap"/> tokens
    /// (truncation at the sequence length): E[max] = Σ x_(i) ((i/n)^b − ((i−1)/n)^b) over the n ascending quantiles.
    /// </summary>
    public double ExpectedLongestOf(int batch, double cap)
    {
        var n = Quantiles.Count;
        var expected = 0.0;
        for (var i = 1; i <= n; i++)
        {
            var weight = Math.Pow(i / (double)n, batch) - Math.Pow((i - 1) / (double)n, batch);
            expected += Math.Min(cap, Quantiles[i - 1]) * weight;
        }
        return expected;
    }
}
