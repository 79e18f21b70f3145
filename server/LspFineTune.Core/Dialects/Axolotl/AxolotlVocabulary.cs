using LspFineTune.Core.Dialects.HuggingFace;
using LspFineTune.Core.Planning;

namespace LspFineTune.Core.Dialects.Axolotl;

/// <summary>axolotl's keys for the plan fields and how changes read in its own words (<c>adapter: qlora</c>).</summary>
public sealed class AxolotlVocabulary : IDialectVocabulary
{
    public static AxolotlVocabulary Instance { get; } = new();

    public string? Key(PlanField field) => field switch
    {
        PlanField.Model => "base_model",
        PlanField.Dtype => "bf16",
        PlanField.Quantization => "load_in_4bit",
        PlanField.Gpu => "# lft: gpu=",
        PlanField.GpusPerNode => "# lft: gpus_per_node=",
        PlanField.Nodes => "# lft: nodes=",
        PlanField.Method => "adapter",
        PlanField.LoraRank => "lora_r",
        PlanField.LoraAlpha => "lora_alpha",
        PlanField.LoraDropout => "lora_dropout",
        PlanField.LoraTargets => "lora_target_modules",
        PlanField.Optimizer => "optimizer",
        PlanField.LearningRate => "learning_rate",
        PlanField.WeightDecay => "weight_decay",
        PlanField.LrScheduler => "lr_scheduler",
        PlanField.WarmupSteps => "warmup_steps",
        PlanField.MicroBatchSize => "micro_batch_size",
        PlanField.GradientAccumulationSteps => "gradient_accumulation_steps",
        PlanField.SequenceLength => "sequence_len",
        PlanField.Epochs => "num_epochs",
        PlanField.MaxSteps => "max_steps",
        PlanField.GradientCheckpointing => "gradient_checkpointing",
        PlanField.Attention => "attn_implementation",
        PlanField.Packing => "sample_packing",
        PlanField.Seed => "seed",
        PlanField.ZeroStage or PlanField.OffloadOptimizer or PlanField.OffloadParams => "deepspeed",
        PlanField.DataTrain => "datasets",
        PlanField.OutputDir => "output_dir",
        PlanField.LossKernel => "chunked_cross_entropy",
        PlanField.ActivationOffload => "activation_offloading",
        _ => null,
    };

    public string Setting(PlanChange change) => change.Value switch
    {
        WeightDtype.Fp16 => "fp16: true",
        WeightDtype.Bf16 => "bf16: true",
        WeightDtype.Fp32 => "bf16: false",
        Quantization.Nf4 => "adapter: qlora + load_in_4bit: true",
        Quantization.Int8 => "load_in_8bit: true",
        Quantization.None => "load_in_4bit: false",
        FineTuneMethod.Full => "adapter: null",
        _ when change.Field == PlanField.ZeroStage => $"zero_optimization.stage: {change.Value} (in the deepspeed JSON)",
        OffloadTarget target when change.Field == PlanField.OffloadOptimizer => $"zero_optimization.offload_optimizer.device: {target.ToConfigName()} (in the deepspeed JSON)",
        OffloadTarget target => $"zero_optimization.offload_param.device: {target.ToConfigName()} (in the deepspeed JSON)",
        _ => $"{Key(change.Field) ?? change.Field.ToString()}: {Value(change)}",
    };

    public string Value(PlanChange change) => change.Value switch
    {
        LossChoice loss => loss.Kernel == LossKernel.Chunked ? "true" : "false",
        ActivationOffload offload => offload switch { ActivationOffload.None => "false", ActivationOffload.Synchronous => "legacy", _ => "true" },
        AttentionKind kind => TransformersSpellings.Attention(kind),
        OptimizerType type => TransformersSpellings.Optimizer(type),
        FineTuneMethod.Lora => "lora",
        FineTuneMethod.Full => "null (full fine-tuning)",
        Quantization.Nf4 => "qlora (4-bit base)",
        Quantization.Int8 => "8-bit base",
        Quantization.None => "16-bit base",
        _ when change.Field == PlanField.ZeroStage => $"ZeRO-{change.Value}",
        _ => change.ValueText,
    };
}
