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

    /// <summary>The targets that match no linear of this model (a typo, or another family's naming).</summary>
    public static IReadOnlyList<string> Unmatched(ModelStructure structure, LoraSettings lora) =>
        lora.AllLinear ? [] : lora.TargetModules.Where(t => !structure.LayerLinears.Any(l => !l.IsParameter && l.MatchesTarget(t))).ToList();
}
