namespace LspFineTune.Trainer.Models;

/// <summary>LoRA hyper-parameters and which projections get adapters (built into the model at construction).</summary>
public sealed record LoraSpec(int Rank, double Alpha, double Dropout, IReadOnlyList<string> TargetModules, bool AllLinear)
{
    /// <summary>PEFT's scaling of the low-rank update: alpha / rank.</summary>
    public double Scaling => Alpha / Rank;

    /// <summary>Whether the projection named <paramref name="moduleName"/> (q_proj, gate_proj, ...) gets an adapter.</summary>
    public bool Targets(string moduleName) => AllLinear || TargetModules.Contains(moduleName, StringComparer.Ordinal);
}
