namespace LspFineTune.Core.Tuning;

/// <summary>
/// The subsets a data curve trains on: prefixes of one seeded shuffle of the examples, so each smaller subset lies
/// inside every larger one (a curve of nested subsets measures what more data adds, not which examples were drawn),
/// and the order does not follow the file's (which is often sorted by source or length).
/// </summary>
public static class NestedSubsets
{
    /// <summary>A permutation of 0..count-1: Fisher-Yates with a seeded <see cref="Random"/> (the same for a seed on
    /// every run and machine).</summary>
    public static int[] Order(int count, int seed)
    {
        var order = Enumerable.Range(0, count).ToArray();
        var random = new Random(seed);
        for (var i = count - 1; i > 0; i--)
        {
            var j = random.Next(i + 1);
            (order[i], order[j]) = (order[j], order[i]);
        }
        return order;
    }

    /// <summary>The default sizes: the whole set and its halvings, five sizes down to 1/16 (a curve over more than a
    /// decade of data, each point one doubling from the next), none smaller than <paramref name="smallest"/> (one
    /// global batch: a smaller subset would not fill a step).</summary>
    public static IReadOnlyList<long> DefaultSizes(long total, long smallest)
    {
        var sizes = new List<long>();
        for (var halvings = 4; halvings >= 0; halvings--)
        {
            var size = total >> halvings;
            if (size >= Math.Max(1, smallest) && !sizes.Contains(size))
                sizes.Add(size);
        }
        return sizes;
    }
}
