using System.Diagnostics;
using System.Globalization;
using LspFineTune.Core.Tuning;
using LspFineTune.Server.Training;

namespace LspFineTune.Server.Tuning;

/// <summary>One subset to train: its size and the schedule it trains with (steps, and warmup when scaled).</summary>
public sealed record DataCurveSize(long Examples, long Steps, long? WarmupSteps);

/// <summary>The keys a subset's run overrides, as the config's own dialect writes them.</summary>
public sealed record DataCurveKeys(string Train, string MaxSteps, string? WarmupSteps);

/// <summary>
/// Runs a data curve: each subset (a prefix of one seeded shuffle of the train file's lines, written under the curve's
/// folder) trained by lft-train with `--set` overrides of the train file and the schedule, in rounds of as many runs at
/// once as cores and memory allow, each scored by its final eval loss on the config's own eval data.
/// </summary>
public sealed class DataCurve(TrainerProgram trainer, string configPath, DataCurveKeys keys, Action<string> log)
{
    public async Task<IReadOnlyList<DataCurveRun>> RunAsync(IReadOnlyList<string> lines, IReadOnlyList<DataCurveSize> sizes, int seed, string folder, int parallel, CancellationToken cancellation)
    {
        var order = NestedSubsets.Order(lines.Count, seed);
        var subsets = Path.Combine(folder, "subsets");
        Directory.CreateDirectory(subsets);
        var threads = Math.Max(1, Environment.ProcessorCount / parallel);
        var runs = new DataCurveRun[sizes.Count];
        foreach (var round in Enumerable.Range(0, sizes.Count).Chunk(parallel))
        {
            await Task.WhenAll(round.Select(async i =>
            {
                var size = sizes[i];
                var subset = Path.Combine(subsets, $"train-{size.Examples}.jsonl");
                await File.WriteAllLinesAsync(subset, order.Take((int)size.Examples).Select(index => lines[index]), cancellation).ConfigureAwait(false);
                var outcome = await TrialRun.RunAsync(trainer, configPath, Arguments(size, subset, Path.Combine(folder, $"size-{size.Examples}"), threads), cancellation).ConfigureAwait(false);
                runs[i] = new DataCurveRun(size.Examples, size.Steps, outcome.EvalLoss, outcome.Seconds, outcome.Problem);
                log(string.Create(CultureInfo.InvariantCulture,
                    $"lft data-curve: {size.Examples:N0} examples, {size.Steps:N0} steps: eval loss {(outcome.EvalLoss is { } loss ? loss.ToString("F4", CultureInfo.InvariantCulture) : outcome.Problem)}, {outcome.Seconds:F1} s"));
            })).ConfigureAwait(false);
            cancellation.ThrowIfCancellationRequested();
        }
        return runs;
    }

    private string[] Arguments(DataCurveSize size, string subset, string output, int threads)
    {
        var arguments = new List<string>
        {
            "--output", output,
            "--threads", threads.ToString(CultureInfo.InvariantCulture),
            "--set", $"{keys.Train}={subset}",
            "--set", $"{keys.MaxSteps}={size.Steps.ToString(CultureInfo.InvariantCulture)}",
        };
        if (keys.WarmupSteps is { } warmup && size.WarmupSteps is { } warmupSteps)
            arguments.AddRange(["--set", $"{warmup}={warmupSteps.ToString(CultureInfo.InvariantCulture)}"]);
        return [.. arguments];
    }
}
