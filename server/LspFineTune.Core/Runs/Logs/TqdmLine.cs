using System.Globalization;
using System.Text.RegularExpressions;

namespace LspFineTune.Core.Runs.Logs;

/// <summary>One state of a tqdm progress bar (tqdm/tqdm <c>tqdm/std.py</c> <c>format_meter</c>).</summary>
/// <param name="Description">The bar's <c>desc</c> (torchtune writes <c>epoch|step|Loss: x</c> there), or "".</param>
/// <param name="PerSecond">Iterations per second: <c>{rate:5.2f}it/s</c>, or the inverse of <c>s/it</c> (tqdm shows
/// seconds per iteration when an iteration takes over a second).</param>
public sealed record TqdmBar(string Description, long Count, long? Total, double? PerSecond, double? RemainingSeconds, string Postfix);

/// <summary>
/// Reads a tqdm bar as <c>format_meter</c> writes it: <c>{desc}: {percentage:3.0f}%|{bar}| {n}/{total}
/// [{elapsed}&lt;{remaining}, {rate}{postfix}]</c>, or without a total <c>{desc}: {n}it [{elapsed}, {rate}{postfix}]</c>.
/// A bar redraws itself after a carriage return, so a segment between <c>\r</c> and <c>\n</c> is one state. Only bars
/// counted in iterations (<c>it</c>) are read; a dataset's <c>examples/s</c> bar is not training.
/// </summary>
public static partial class TqdmLine
{
    [GeneratedRegex(@"^(?:(?<desc>.*?): ?)?\s*(?<pct>\d{1,3})%\|[^|]*\| (?<n>\d+)/(?<total>\d+) \[(?<elapsed>[\d:]+)<(?<remaining>[\d:?]+), +(?<rate>[\d.]+|\?)(?<unit>it/s|s/it)(?<postfix>[^\]]*)\]\s*$")]
    private static partial Regex WithTotal();

    [GeneratedRegex(@"^(?:(?<desc>.*?): ?)?(?<n>\d+)it \[(?<elapsed>[\d:]+), +(?<rate>[\d.]+|\?)(?<unit>it/s|s/it)(?<postfix>[^\]]*)\]\s*$")]
    private static partial Regex WithoutTotal();

    public static TqdmBar? Read(string segment)
    {
        var text = segment.Trim();
        var match = WithTotal().Match(text);
        if (!match.Success)
            match = WithoutTotal().Match(text);
        if (!match.Success)
            return null;
        double? rate = double.TryParse(match.Groups["rate"].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var r) && r > 0
            ? match.Groups["unit"].Value == "s/it" ? 1 / r : r
            : null;
        return new TqdmBar(
            match.Groups["desc"].Value.Trim(),
            long.Parse(match.Groups["n"].Value, CultureInfo.InvariantCulture),
            match.Groups["total"].Success ? long.Parse(match.Groups["total"].Value, CultureInfo.InvariantCulture) : null,
            rate,
            match.Groups["remaining"].Success ? Interval(match.Groups["remaining"].Value) : null,
            match.Groups["postfix"].Value.TrimStart(',', ' '));
    }

    /// <summary>tqdm's <c>format_interval</c>: <c>[H:]MM:SS</c>; null for <c>?</c>.</summary>
    private static double? Interval(string text)
    {
        if (text == "?")
            return null;
        var seconds = 0d;
        foreach (var part in text.Split(':'))
        {
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var value))
                return null;
            seconds = seconds * 60 + value;
        }
        return seconds;
    }
}
