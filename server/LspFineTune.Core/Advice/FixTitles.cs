using System.Globalization;
using LspFineTune.Core.Estimation;

namespace LspFineTune.Core.Advice;

/// <summary>Titles that say what a fix does and what it reaches: "Enable gradient checkpointing: 61.2 GB, fits A100 80GB SXM4, +33% time".</summary>
public static class FixTitles
{
    public static string Describe(string action, Estimate result, double timeRatio, bool binaryUnits = false)
    {
        var memory = result.Memory;
        var verdict = memory.Fits ? $"fits {result.Plan.Hardware.Gpu.Name}" : $"still over {ByteSizes.Format(memory.UsableBytes, binaryUnits)}";
        return $"{action}: {ByteSizes.Format(memory.PeakBytes, binaryUnits)}, {verdict}, {TimeChange(timeRatio)}";
    }

    public static string TimeChange(double ratio)
    {
        var percent = (ratio - 1) * 100;
        if (Math.Abs(percent) < 1)
            return "same time";
        return (percent > 0 ? "+" : "") + percent.ToString("0", CultureInfo.InvariantCulture) + "% time";
    }
}
