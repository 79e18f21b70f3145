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
        Math.Abs(a.Length - b.Length) > limit ? limit + 1 : Math.Min(Between(a, b, limit), limit + 1);

    /// <summary>Edits (insert, delete, substitute, swap two neighbours) between two names, ignoring case.</summary>
    public static int Between(string a, string b) => Between(a, b, int.MaxValue);

    /// <summary>
    /// The distance, or any number above <paramref name="limit"/> as soon as every cell of a row is above it: a row's
    /// minimum never decreases, so the rest cannot come back under (most candidates of a did-you-mean stop after a few
    /// characters).
    /// </summary>
    private static int Between(string a, string b, int limit)
    {
        // Case is folded once per name, not in every cell; names are short, so everything lives on the stack (a schema
        // with hundreds of keys compares each misspelt key with all of them on every keystroke).
        Span<char> x = a.Length <= 256 ? stackalloc char[a.Length] : new char[a.Length];
        Span<char> y = b.Length <= 256 ? stackalloc char[b.Length] : new char[b.Length];
        a.AsSpan().ToLowerInvariant(x);
        b.AsSpan().ToLowerInvariant(y);
        // Three rows suffice: the swap looks back two rows.
        var width = y.Length + 1;
        Span<int> rows = width <= 256 ? stackalloc int[3 * width] : new int[3 * width];
        var previous2 = rows[..width];
        var previous = rows.Slice(width, width);
        var current = rows.Slice(2 * width, width);
        for (var j = 0; j <= y.Length; j++)
            previous[j] = j;
        for (var i = 1; i <= x.Length; i++)
        {
            current[0] = i;
            var rowMinimum = i;
            for (var j = 1; j <= y.Length; j++)
            {
                var cost = x[i - 1] == y[j - 1] ? 0 : 1;
                var cell = Math.Min(Math.Min(previous[j] + 1, current[j - 1] + 1), previous[j - 1] + cost);
                if (i > 1 && j > 1 && x[i - 1] == y[j - 2] && x[i - 2] == y[j - 1])
                    cell = Math.Min(cell, previous2[j - 2] + 1);
                current[j] = cell;
                rowMinimum = Math.Min(rowMinimum, cell);
            }
            var oldest = previous2;
            previous2 = previous;
            previous = current;
            current = oldest;
            // A row's minimum never decreases by more than the swap's look-back: two rows over the limit end it.
            if (rowMinimum > limit && i > 1 && MinimumOf(previous2) > limit)
                return limit + 1;
        }
        return previous[y.Length];
    }

    private static int MinimumOf(Span<int> row)
    {
        var minimum = int.MaxValue;
        foreach (var cell in row)
            minimum = Math.Min(minimum, cell);
        return minimum;
    }
}
