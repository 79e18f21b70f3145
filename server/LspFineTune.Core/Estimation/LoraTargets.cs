using LspFineTune.Core.Catalogs;
using LspFineTune.Core.Planning;

namespace LspFineTune.Core.Estimation;

/// <summary>PEFT's target_modules matching: a module is adapted when its path equals a target or ends with ".target" (<see cref="LinearModule.MatchesTarget"/>).</summary>
public static class LoraTargets
{
    public static IReadOnlyList<LinearModule> Match(ModelStructure structure, LoraSettings lora)
    {
        var modules = structure.LayerLinears.Where(linear => !linear.IsParameter);
        if (lora.AllLinear)
            return modules.ToList();
        return modules.Where(linear => lora.TargetModules.Any(linear.MatchesTarget)).ToList();
    }

    /// <summary>The targets that match no linear of this model (a typo, or another family's naming), each once, in the
    /// order written. Each distinct name is matched once, so a list of thousands of names costs linear time.</summary>
    public static IReadOnlyList<string> Unmatched(ModelStructure structure, LoraSettings lora)
    {
        if (lora.AllLinear)
            return [];
        var linears = structure.LayerLinears.Where(l => !l.IsParameter).ToList();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        return lora.TargetModules.Where(t => seen.Add(t) && !linears.Any(l => l.MatchesTarget(t))).ToList();
    }
}
