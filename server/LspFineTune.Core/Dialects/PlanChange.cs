using System.Globalization;
using LspFineTune.Core.Planning;

namespace LspFineTune.Core.Dialects;

/// <summary>
/// One plan field set to one typed value: a bool, an int, a plan enum (<see cref="AttentionKind"/>,
/// <see cref="OffloadTarget"/>, ...) or a <see cref="LossChoice"/>. Fixes, plan diffs and key effects are lists of these; a dialect's writer turns
/// them into edits in its own keys and files.
/// </summary>
public sealed record PlanChange(PlanField Field, object Value)
{
    /// <summary>The value in the plan's own neutral spelling (the native format's: <c>flash</c>, <c>cpu</c>, <c>3</c>).</summary>
    public string ValueText => Value switch
    {
        bool b => b ? "true" : "false",
        Enum e => PlanEnumNames.ToConfigName(e),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => Value.ToString() ?? "",
    };

    public override string ToString() => $"{Field}: {ValueText}";
}
