namespace LspFineTune.Core.Dialects.Trl;

/// <summary>A TRL binding, with what its writer needs: the trainer it was read as, and where the sharding lives (the
/// DeepSpeed config <c>deepspeed:</c> names, a TRL accelerate preset or file <c>accelerate_config:</c> names, or FSDP:
/// <see cref="TrainerBinding.UsesFsdp"/> is <c>fsdp:</c> or an FSDP preset; <see cref="TrainerBinding.Launch"/> is the
/// file <c>accelerate_config:</c> names, or without that key the modeline's, the setting's or accelerate's default).</summary>
public sealed class TrlBinding : TrainerBinding
{
    public required TrlTrainerChoice Trainer { get; init; }

    /// <summary>The TRL accelerate preset <c>accelerate_config:</c> names; null when it names none (or a file).</summary>
    public TrlAcceleratePreset? AcceleratePreset { get; init; }
}
