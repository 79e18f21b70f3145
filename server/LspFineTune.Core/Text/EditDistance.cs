namespace LspFineTune.Core.Text;

/// <summary>Damerau-Levenshtein distance for "did you mean" suggestions of keys, values, models and GPUs.</summary>
public static class EditDistance
{
    /// <summary>
    /// <see cref="Between"/> when it can be at most <paramref name="limit"/>, else <c>limit + 1</c> without computing it:
    /// the distance is never below the difference in length, and the full table of a 200,000-character typo against
    /// every catalog name took seconds (found by the server's fuzz tests).
    /// </summary>
    public static int AtMost(string a, string b, int limit) =>
        Math.Abs(a.Length - b.Length) > limit ? limit + 1 : Between(a, b);

    /// <summary>Edits (insert, delete, substitute, swap two neighbours) between two names, ignoring case.</summary>
    public static int Between(string a, string b)
    {
        // Three rows suffice: the swap looks back two rows.
        var previous2 = new int[b.Length + 1];
        var previous = new int[b.Length + 1];
        var current = new int[b.Length + 1];
        for (var j = 0; j <= b.Length; j++)
            previous[j] = j;
        for (var i = 1; i <= a.Length; i++)
        {
            current[0] = i;
            for (var j = 1; j <= b.Length; j++)
            {
                var cost = char.ToLowerInvariant(a[i - 1]) == char.ToLowerInvariant(b[j - 1]) ? 0 : 1;
                current[j] = Math.Min(Math.Min(previous[j] + 1, current[j - 1] + 1), previous[j - 1] + cost);
                if (i > 1 && j > 1
                    && char.ToLowerInvariant(a[i - 1]) == char.ToLowerInvariant(b[j - 2])
                    && char.ToLowerInvariant(a[i - 2]) == char.ToLowerInvariant(b[j - 1]))
                    current[j] = Math.Min(current[j], previous2[j - 2] + 1);
            }
            (previous2, previous, current) = (previous, current, previous2);
        }
        return previous[b.Length];
    }
}
