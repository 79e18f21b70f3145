using LspFineTune.Core.Diagnostics;
using LspFineTune.Core.Dialects.Accelerate;
using LspFineTune.Core.Dialects.DeepSpeed;
using LspFineTune.Core.Planning;

namespace LspFineTune.Core.Dialects;

/// <summary>
/// A trainer config's binding (axolotl, LLaMA-Factory classic and v1, TRL), with what its writer needs: the DeepSpeed
/// config the file names, whether it shards with FSDP itself (axolotl's <c>fsdp_config</c>, the HF Trainer's
/// <c>fsdp</c>, v1's <c>dist_config</c>), and the accelerate config it is launched with.
/// </summary>
public class TrainerBinding : DialectBinding
{
    public DeepSpeedReference? DeepSpeed { get; init; }

    /// <summary>The config shards with FSDP itself: ZeRO changes cannot be written as DeepSpeed.</summary>
    public bool UsesFsdp { get; init; }

    public string? WorkspaceFolder { get; init; }

    /// <summary>The accelerate config the run is launched with, when one is named or accelerate's default exists.</summary>
    public LaunchFacts? Launch { get; init; }

    /// <summary>The launch file, when its FSDP or DeepSpeed plugin shards the run (the config does not shard on its own).</summary>
    public LaunchFacts? LaunchSharding => Launch?.ShardingUnless(DeepSpeed is not null || UsesFsdp);

    /// <summary>What a binder produced (plan null: nothing to estimate), with the files it read as its companions.</summary>
    public static TrainerBinding Of(DocumentContext document, BindingOptions options, PlanProvenance provenance, List<Diagnostic> diagnostics, TrainingPlan? plan, DeepSpeedReference? deepSpeed, bool usesFsdp, LaunchFacts? launch) => new()
    {
        Document = document,
        Plan = plan,
        Provenance = provenance,
        Diagnostics = diagnostics,
        DeepSpeed = deepSpeed,
        UsesFsdp = usesFsdp,
        WorkspaceFolder = options.WorkspaceFolder,
        Launch = launch,
        Companions = CompanionsOf(deepSpeed, launch),
    };

    /// <summary>The files such a binding reads: the DeepSpeed JSON, then the launch file and the JSON that names.</summary>
    public static IReadOnlyList<CompanionFile> CompanionsOf(DeepSpeedReference? deepSpeed, LaunchFacts? launch) =>
        [.. deepSpeed?.Companion is { } companion ? [companion] : Array.Empty<CompanionFile>(), .. AccelerateLaunch.Companions(launch)];
}
