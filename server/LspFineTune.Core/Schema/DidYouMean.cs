namespace LspFineTune.Core.Schema;

/// <summary>Suggests the closest known name for a misspelled one ("trainig" → "training").</summary>
public static class DidYouMean
{
    /// <summary>
    /// The candidate closest to <paramref name="input"/> (case-insensitive Damerau-Levenshtein distance), if it is within
    /// a third of the longer name's length: close enough to be a typo, far enough not to suggest unrelated names.
    /// </summary>
    public static string? Suggest(string input, IEnumerable<string> candidates)
    {
        string? best = null;
        var bestDistance = int.MaxValue;
        foreach (var candidate in candidates)
        {
            if (candidate == input)
                continue;
            var distance = Distance(input, candidate);
            if (distance < bestDistance && distance * 3 <= Math.Max(input.Length, candidate.Length))
            {
                best = candidate;
                bestDistance = distance;
            }
        }
        return best;
    }

    /// <summary>Edits (insert, delete, substitute, swap two neighbours) between two names, ignoring case.</summary>
    public static int Distance(string a, string b)
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
