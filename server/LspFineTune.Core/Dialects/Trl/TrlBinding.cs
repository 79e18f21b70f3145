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

    /// <summary><c>accelerate_config:</c> names an accelerate file (not a preset), which holds the sharding.</summary>
    public bool UsesAccelerateFile { get; init; }

    public string? WorkspaceFolder { get; init; }
}
