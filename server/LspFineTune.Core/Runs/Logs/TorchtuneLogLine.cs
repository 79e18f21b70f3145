using System.Globalization;
using System.Text.RegularExpressions;

namespace LspFineTune.Core.Runs.Logs;

/// <summary>
/// torchtune's lines (pytorch/torchtune@bd2a0fc): the metric loggers' <c>Step {step} | {name}:{data} ...</c>
/// (<c>torchtune/training/metric_logging.py</c> 212-222 StdoutLogger.log_dict, 163-197 DiskLogger's txt file) with the
/// recipes' keys <c>loss</c>, <c>lr</c>, <c>tokens_per_second_per_gpu</c>, <c>grad_norm</c> and, with
/// <c>log_peak_memory_stats</c>, <c>peak_memory_active</c>/<c>_alloc</c>/<c>_reserved</c> in GiB
/// (<c>torchtune/training/memory.py</c> 248-297); the training bar's description <c>{epoch}|{step}|Loss: {loss}</c>
/// (<c>recipes/lora_finetune_single_device.py</c> 660-662); and DiskLogger's <c>Writing logs to {path}</c> (160).
/// </summary>
public static partial class TorchtuneLogLine
{
    [GeneratedRegex(@"^Step (?<step>\d+) \| (?<metrics>.*)$")]
    private static partial Regex MetricsLine();

    [GeneratedRegex(@"^(?<epoch>\d+)\|(?<step>\d+)\|Loss: (?<loss>\S+)$")]
    private static partial Regex BarDescription();

    private const string WritingLogsTo = "Writing logs to ";

    public static LogReading? Read(string line)
    {
        var text = line.Trim();
        if (text.StartsWith(WritingLogsTo, StringComparison.Ordinal))
            return new LogReading { MetricsFile = text[WritingLogsTo.Length..].Trim() };
        var match = MetricsLine().Match(text);
        if (!match.Success)
            return null;
        var metrics = new Dictionary<string, double>(StringComparer.Ordinal);
        foreach (var word in match.Groups["metrics"].Value.Split(' ', StringSplitOptions.RemoveEmptyEntries))
        {
            var colon = word.IndexOf(':');
            if (colon > 0 && double.TryParse(word[(colon + 1)..], NumberStyles.Float, CultureInfo.InvariantCulture, out var value))
                metrics[word[..colon]] = value;
        }
        if (metrics.Count == 0)
            return null;
        double? Get(string name) => metrics.TryGetValue(name, out var value) ? value : null;
        var allocated = Get("peak_memory_alloc");
        var reserved = Get("peak_memory_reserved");
        return new LogReading
        {
            Step = long.Parse(match.Groups["step"].Value, CultureInfo.InvariantCulture),
            Loss = Get("loss"),
            LearningRate = Get("lr"),
            GradNorm = Get("grad_norm"),
            TokensPerSecondPerGpu = Get("tokens_per_second_per_gpu"),
            PeakAllocatedBytes = LogReading.GibToBytes(allocated),
            PeakReservedBytes = LogReading.GibToBytes(reserved),
            MemorySource = allocated is not null || reserved is not null ? "torchtune's peak_memory_alloc and peak_memory_reserved (GiB)" : null,
        };
    }

    /// <summary>The step and loss in the training bar's description (<c>1|12|Loss: 1.734</c>), or null.</summary>
    public static LogReading? ReadBarDescription(string description)
    {
        var match = BarDescription().Match(description.Trim());
        if (!match.Success)
            return null;
        return new LogReading
        {
            Step = long.Parse(match.Groups["step"].Value, CultureInfo.InvariantCulture),
            Epoch = double.Parse(match.Groups["epoch"].Value, CultureInfo.InvariantCulture),
            Loss = double.TryParse(match.Groups["loss"].Value, NumberStyles.Float, CultureInfo.InvariantCulture, out var loss) ? loss : null,
        };
    }
}
