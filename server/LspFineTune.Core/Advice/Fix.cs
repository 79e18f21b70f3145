using LspFineTune.Core.Dialects;
using LspFineTune.Core.Estimation;

namespace LspFineTune.Core.Advice;

/// <summary>A set of plan changes and the estimate the config reaches with them.</summary>
public sealed record Fix(string Title, IReadOnlyList<PlanChange> Changes, Estimate Result)
{
    public bool IsPreferred { get; init; }

    /// <summary>Step time relative to the current plan's (1.33 = 33% slower).</summary>
    public double TimeRatio { get; init; } = 1;
}
