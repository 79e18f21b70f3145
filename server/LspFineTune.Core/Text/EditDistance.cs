namespace LspFineTune.Core.Text;

/// <summary>Damerau-Levenshtein distance for "did you mean" suggestions of keys, values, models and GPUs.</summary>
public static class EditDistance
{
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
