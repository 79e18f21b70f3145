using LspFineTune.Core.Dialects.Accelerate;
using LspFineTune.Core.Dialects.DeepSpeed;

namespace LspFineTune.Core.Dialects.Trl;

/// <summary>A TRL binding, with what its writer needs: the trainer it was read as, and where the sharding lives (the
/// DeepSpeed config <c>deepspeed:</c> names, a TRL accelerate preset <c>accelerate_config:</c> names, or FSDP).</summary>
public sealed class TrlBinding : DialectBinding
{
    public required TrlTrainerChoice Trainer { get; init; }

    public DeepSpeedReference? DeepSpeed { get; init; }

    /// <summary>The TRL accelerate preset <c>accelerate_config:</c> names; null when it names none (or a file).</summary>
    public TrlAcceleratePreset? AcceleratePreset { get; init; }

    /// <summary>The run shards with FSDP (<c>fsdp:</c>, or an FSDP preset): ZeRO changes cannot be written as DeepSpeed.</summary>
    public bool UsesFsdp { get; init; }

    /// <summary>The accelerate config the run is launched with: the file <c>accelerate_config:</c> names, or (without
    /// that key) the modeline's, the setting's or accelerate's default; null for a preset.</summary>
    public LaunchFacts? Launch { get; init; }

    /// <summary>The launch file, when its FSDP or DeepSpeed plugin shards the run (the config has no <c>deepspeed</c> or <c>fsdp</c> of its own).</summary>
    public LaunchFacts? LaunchSharding => Launch?.ShardingUnless(DeepSpeed is not null || UsesFsdp);

    public string? WorkspaceFolder { get; init; }
}
