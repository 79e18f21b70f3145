using LspFineTune.Core.Editing;

namespace LspFineTune.Core.Dialects.Native;

/// <summary>The native format's key for every plan field (CONFIG.md "Keys"), and how its settings read in messages.</summary>
public sealed class NativeVocabulary : IDialectVocabulary
{
    public static NativeVocabulary Instance { get; } = new();

    private static readonly Dictionary<PlanField, string> Paths = new()
    {
        [PlanField.Model] = "model.name",
        [PlanField.Dtype] = "model.dtype",
        [PlanField.Quantization] = "model.quantization",
        [PlanField.Gpu] = "hardware.gpu",
        [PlanField.GpusPerNode] = "hardware.gpus_per_node",
        [PlanField.Nodes] = "hardware.nodes",
        [PlanField.Method] = "method.type",
        [PlanField.LoraRank] = "method.lora.rank",
        [PlanField.LoraAlpha] = "method.lora.alpha",
        [PlanField.LoraDropout] = "method.lora.dropout",
        [PlanField.LoraTargets] = "method.lora.target_modules",
        [PlanField.ZerothOrderEpsilon] = "method.zeroth_order.epsilon",
        [PlanField.ZerothOrderTrainableFraction] = "method.zeroth_order.trainable_fraction",
        [PlanField.Optimizer] = "optimizer.type",
        [PlanField.LearningRate] = "optimizer.learning_rate",
        [PlanField.WeightDecay] = "optimizer.weight_decay",
        [PlanField.LrScheduler] = "optimizer.lr_scheduler",
        [PlanField.WarmupSteps] = "optimizer.warmup_steps",
        [PlanField.AdaRankGradMaxRank] = "optimizer.adarankgrad.max_rank",
        [PlanField.AdaRankGradEnergyThreshold] = "optimizer.adarankgrad.energy_threshold",
        [PlanField.MicroBatchSize] = "training.micro_batch_size",
        [PlanField.GradientAccumulationSteps] = "training.gradient_accumulation_steps",
        [PlanField.SequenceLength] = "training.sequence_length",
        [PlanField.Epochs] = "training.epochs",
        [PlanField.MaxSteps] = "training.max_steps",
        [PlanField.GradientCheckpointing] = "training.gradient_checkpointing",
        [PlanField.Attention] = "training.attention",
        [PlanField.Packing] = "training.packing",
        [PlanField.Seed] = "training.seed",
        [PlanField.ZeroStage] = "deepspeed.zero_stage",
        [PlanField.OffloadOptimizer] = "deepspeed.offload_optimizer",
        [PlanField.OffloadParams] = "deepspeed.offload_params",
        [PlanField.DataTrain] = "data.train",
        [PlanField.DataEval] = "data.eval",
        [PlanField.NumExamples] = "data.num_examples",
        [PlanField.MeanTokensPerExample] = "data.mean_tokens_per_example",
        [PlanField.OutputDir] = "output.dir",
        [PlanField.SaveEverySteps] = "output.save_every_steps",
        [PlanField.EvalEverySteps] = "output.eval_every_steps",
    };

    /// <summary>The native key of a field; null for the memory savers (loss kernel, activation offloading), which the
    /// native format and its trainer do not have: estimates of those come from the frameworks' own configs.</summary>
    public static string? PathOf(PlanField field) => Paths.GetValueOrDefault(field);

    public string? Key(PlanField field) => PathOf(field);

    public string Setting(PlanChange change) => $"{PathOf(change.Field) ?? change.Field.ToString()}: {change.ValueText}";

    public string Value(PlanChange change) => change.ValueText;

    /// <summary>The change as a native key edit.</summary>
    public static ConfigChange? ToConfigChange(PlanChange change) =>
        PathOf(change.Field) is { } path ? new(path, change.Value is Enum ? change.ValueText : change.Value) : null;
}
