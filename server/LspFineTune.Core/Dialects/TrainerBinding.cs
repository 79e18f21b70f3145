using LspFineTune.Core.Dialects.Accelerate;
using LspFineTune.Core.Dialects.DeepSpeed;

namespace LspFineTune.Core.Dialects;

/// <summary>
/// A trainer config's binding (axolotl, LLaMA-Factory, TRL), with what its writer needs: the DeepSpeed config the file
/// names, whether it shards with FSDP itself, and the accelerate config it is launched with.
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

    /// <summary>The files such a binding reads: the DeepSpeed JSON, then the launch file and the JSON that names.</summary>
    public static IReadOnlyList<CompanionFile> CompanionsOf(DeepSpeedReference? deepSpeed, LaunchFacts? launch) =>
        [.. deepSpeed?.Companion is { } companion ? [companion] : Array.Empty<CompanionFile>(), .. AccelerateLaunch.Companions(launch)];
}
