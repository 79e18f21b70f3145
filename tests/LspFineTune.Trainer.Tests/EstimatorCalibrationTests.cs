using System.Text.Json.Nodes;
using LspFineTune.Core;

namespace LspFineTune.Trainer.Tests;

/// <summary>
/// Holds the estimator to measured memory: Data/cpu-estimate-vs-measured.json records lft-train's VmHWM for each
/// benchmark variant (bench/LspFineTune.Trainer.Bench --record). This re-estimates every recorded config with the
/// current estimator and requires it within the bound of what was measured.
/// </summary>
public sealed class EstimatorCalibrationTests
{
    /// <summary>Measured peaks on these machines move by ~20 % between runs (allocator arenas), so the bar is wide.</summary>
    private const double AllowedRelativeError = 0.5;

    private static string DataFile => Path.Combine(RepositoryPaths.Root, "tests", "LspFineTune.Trainer.Tests", "Data", "cpu-estimate-vs-measured.json");

    [Fact]
    public void The_cpu_memory_estimate_stays_within_the_bound_of_every_recorded_measurement()
    {
        var results = JsonNode.Parse(File.ReadAllText(DataFile))!["results"]!.AsArray();
        Assert.NotEmpty(results);
        var failures = new List<string>();
        foreach (var record in results)
        {
            var config = record!["config"]!.GetValue<string>();
            var measured = record["measured_peak_rss_bytes"]!.GetValue<long>();
            // The recorded config's paths are relative to the data folder, as if the config sat next to the data file.
            var analysis = ConfigAnalyzer.AnalyzeFile(Path.Combine(Path.GetDirectoryName(DataFile)!, "variant.lft.yaml"), config);
            Assert.False(analysis.HasErrors, $"{record["variant"]}: {string.Join("; ", analysis.Diagnostics.Select(d => d.Message))}");
            var estimated = analysis.Estimate!.Memory.PeakBytes;
            var error = (double)(estimated - measured) / measured;
            if (Math.Abs(error) > AllowedRelativeError)
                failures.Add($"{record["variant"]}: estimated {estimated / 1048576.0:F0} MiB, measured {measured / 1048576.0:F0} MiB ({error:+0%;-0%})");
        }
        Assert.True(failures.Count == 0, "estimates off by more than 50 %: " + string.Join("; ", failures));
    }
}
