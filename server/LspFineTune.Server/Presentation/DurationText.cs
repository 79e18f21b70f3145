using System.Globalization;

namespace LspFineTune.Server.Presentation;

/// <summary>Durations as people read them: "850 ms", "21.8 s", "3 h 12 min", "2 d 4 h".</summary>
public static class DurationText
{
    private const double SecondsPerYear = 365.25 * 24 * 3600;

    public static string Format(double seconds)
    {
        if (double.IsNaN(seconds) || double.IsInfinity(seconds))
            return "unknown";
        if (seconds < 1)
            return (seconds * 1000).ToString("0", CultureInfo.InvariantCulture) + " ms";
        if (seconds < 60)
            return seconds.ToString("0.0", CultureInfo.InvariantCulture) + " s";
        // TimeSpan holds about 29,000 years; past a century the days are no longer what a reader needs.
        if (seconds >= 100 * SecondsPerYear)
            return $"{(seconds / SecondsPerYear).ToString("N0", CultureInfo.InvariantCulture)} years";
        var span = TimeSpan.FromSeconds(seconds);
        if (span.TotalHours < 1)
            return $"{span.Minutes} min {span.Seconds} s";
        if (span.TotalDays < 1)
            return $"{span.Hours} h {span.Minutes} min";
        return $"{(int)span.TotalDays} d {span.Hours} h";
    }
}
