using System.Globalization;
using System.Text.RegularExpressions;

namespace LspFineTune.Core.Runs.Logs;

/// <summary>
/// DeepSpeed's progress lines (deepspeedai/DeepSpeed@edaa722), after its logger prefix
/// <c>[time] [INFO] [file:line:func] [Rank 0] </c> (<c>deepspeed/utils/logging.py</c> 39-40, 108): the engine's
/// <c>step={step}, skipped={n}, lr=[...], mom=[...]</c> every <c>steps_per_print</c> (<c>deepspeed/runtime/engine.py</c> 3656),
/// the throughput timer's <c>epoch=E/micro_step=M/global_step=G, RunningAvgSamplesPerSec=X, CurrSamplesPerSec=Y,
/// MemAllocated=AGB, MaxMemAllocated=BGB</c> (<c>deepspeed/utils/timer.py</c> 264-273; GB there is 1024^3 bytes), and
/// <c>see_memory_usage</c>'s <c>MA a GB Max_MA b GB CA c GB Max_CA d GB</c> (<c>deepspeed/runtime/utils.py</c> 826-829).
/// </summary>
public static partial class DeepSpeedLogLine
{
    [GeneratedRegex(@"\bstep=(?<step>\d+), skipped=(?<skipped>\d+), lr=\[(?<lr>[^\],]*)")]
    private static partial Regex EngineProgress();

    [GeneratedRegex(@"\bglobal_step=(?<step>\d+), RunningAvgSamplesPerSec=(?<avg>[\d.eE+-]+), CurrSamplesPerSec=(?<current>[\d.eE+-]+), MemAllocated=(?<now>[\d.]+)GB, MaxMemAllocated=(?<max>[\d.]+)GB")]
    private static partial Regex Throughput();

    [GeneratedRegex(@"\bMA (?<ma>[\d.]+) GB\s+Max_MA (?<maxma>[\d.]+) GB\s+CA (?<ca>[\d.]+) GB\s+Max_CA (?<maxca>[\d.]+) GB")]
    private static partial Regex MemoryUsage();

    private const string Source = "DeepSpeed's MaxMemAllocated";

    public static LogReading? Read(string line)
    {
        if (Throughput().Match(line) is { Success: true } throughput)
        {
            return new LogReading
            {
                Step = long.Parse(throughput.Groups["step"].Value, CultureInfo.InvariantCulture),
                SamplesPerSecond = Number(throughput.Groups["avg"].Value),
                PeakAllocatedBytes = LogReading.GibToBytes(Number(throughput.Groups["max"].Value)),
                MemorySource = Source,
            };
        }
        if (EngineProgress().Match(line) is { Success: true } progress)
        {
            return new LogReading
            {
                Step = long.Parse(progress.Groups["step"].Value, CultureInfo.InvariantCulture),
                LearningRate = Number(progress.Groups["lr"].Value),
            };
        }
        if (MemoryUsage().Match(line) is { Success: true } usage)
        {
            return new LogReading
            {
                PeakAllocatedBytes = LogReading.GibToBytes(Number(usage.Groups["maxma"].Value)),
                PeakReservedBytes = LogReading.GibToBytes(Number(usage.Groups["maxca"].Value)),
                MemorySource = "DeepSpeed's see_memory_usage Max_MA and Max_CA",
            };
        }
        return null;
    }

    private static double? Number(string text) =>
        double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var value) ? value : null;
}
