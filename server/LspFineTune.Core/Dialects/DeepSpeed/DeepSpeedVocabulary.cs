using LspFineTune.Core.Planning;

namespace LspFineTune.Core.Dialects.DeepSpeed;

/// <summary>DeepSpeed's keys for the plan fields it holds (the rest live in the trainer config).</summary>
public sealed class DeepSpeedVocabulary : IDialectVocabulary
{
    public static DeepSpeedVocabulary Instance { get; } = new();

    public string? Key(PlanField field) => field switch
    {
        PlanField.ZeroStage => "zero_optimization.stage",
        PlanField.OffloadOptimizer => "zero_optimization.offload_optimizer.device",
        PlanField.OffloadParams => "zero_optimization.offload_param.device",
        PlanField.MicroBatchSize => "train_micro_batch_size_per_gpu",
        PlanField.GradientAccumulationSteps => "gradient_accumulation_steps",
        PlanField.Optimizer => "optimizer.type",
        _ => null,
    };

    public string Setting(PlanChange change) => $"{Key(change.Field) ?? change.Field.ToString()}: {Value(change)}";

    public string Value(PlanChange change) => change.Value is OffloadTarget target ? "\"" + target.ToConfigName() + "\"" : change.ValueText;
}
