using LspFineTune.Core.Dialects.Accelerate;
using LspFineTune.Core.Dialects.DeepSpeed;

namespace LspFineTune.Core.Dialects.Axolotl;

/// <summary>An axolotl binding, with what its writer needs: the DeepSpeed config the file names and how it is sharded.</summary>
public sealed class AxolotlBinding : DialectBinding
{
    public DeepSpeedReference? DeepSpeed { get; init; }

    /// <summary>The config shards with FSDP (<c>fsdp_config</c>/<c>fsdp</c>): ZeRO changes cannot be written as DeepSpeed.</summary>
    public bool UsesFsdp { get; init; }

    public string? WorkspaceFolder { get; init; }

    /// <summary>The accelerate config the run is launched with, when one is named or accelerate's default exists.</summary>
    public LaunchFacts? Launch { get; init; }

    /// <summary>The launch file, when its FSDP or DeepSpeed plugin shards the run (the config does not shard on its own).</summary>
    public LaunchFacts? LaunchSharding => Launch?.ShardingUnless(DeepSpeed is not null || UsesFsdp);
}
