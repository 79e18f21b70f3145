using LspFineTune.Core.Text;

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
            var limit = Math.Max(input.Length, candidate.Length) / 3;
            var distance = EditDistance.AtMost(input, candidate, limit);
            if (distance < bestDistance && distance <= limit)
            {
                best = candidate;
                bestDistance = distance;
            }
        }
        return best;
    }

    /// <summary>Edits between two names, ignoring case (see <see cref="EditDistance"/>).</summary>
    public static int Distance(string a, string b) => EditDistance.Between(a, b);
}
