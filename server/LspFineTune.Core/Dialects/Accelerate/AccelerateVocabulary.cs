using LspFineTune.Core.Planning;

namespace LspFineTune.Core.Dialects.Accelerate;

/// <summary>accelerate's keys for the plan fields a launch file holds (the rest live in the trainer config).</summary>
public sealed class AccelerateVocabulary : IDialectVocabulary
{
    public static AccelerateVocabulary Instance { get; } = new();

    public string? Key(PlanField field) => field switch
    {
        PlanField.GpusPerNode => "num_processes",
        PlanField.Nodes => "num_machines",
        PlanField.Dtype => "mixed_precision",
        PlanField.GradientCheckpointing => "fsdp_config.fsdp_activation_checkpointing",
        PlanField.ZeroStage => "deepspeed_config.zero_stage",
        PlanField.OffloadOptimizer => "deepspeed_config.offload_optimizer_device",
        PlanField.OffloadParams => "deepspeed_config.offload_param_device",
        _ => null,
    };

    public string Setting(PlanChange change) => $"{Key(change.Field) ?? change.Field.ToString()}: {Value(change)}";

    public string Value(PlanChange change) => change.Value switch
    {
        OffloadTarget target => target.ToConfigName(),
        WeightDtype.Fp32 => "no",
        WeightDtype dtype => dtype.ToConfigName(),
        _ => change.ValueText,
    };
}
