using LspFineTune.Core.Planning;

namespace LspFineTune.Core.Dialects.Torchtune;

/// <summary>torchtune's keys for the plan fields (nested keys are the component's arguments) and how changes read.</summary>
public sealed class TorchtuneVocabulary : IDialectVocabulary
{
    public static TorchtuneVocabulary Instance { get; } = new();

    public string? Key(PlanField field) => field switch
    {
        PlanField.Model or PlanField.Method or PlanField.Quantization => "model._component_",
        PlanField.Dtype => "dtype",
        PlanField.Gpu => "# lft: gpu=",
        PlanField.GpusPerNode => "tune run --nproc_per_node",
        PlanField.Nodes => "tune run --nnodes",
        PlanField.LoraRank => "model.lora_rank",
        PlanField.LoraAlpha => "model.lora_alpha",
        PlanField.LoraDropout => "model.lora_dropout",
        PlanField.LoraTargets => "model.lora_attn_modules",
        PlanField.Optimizer => "optimizer._component_",
        PlanField.LearningRate => "optimizer.lr",
        PlanField.WeightDecay => "optimizer.weight_decay",
        PlanField.LrScheduler => "lr_scheduler._component_",
        PlanField.WarmupSteps => "lr_scheduler.num_warmup_steps",
        PlanField.MicroBatchSize => "batch_size",
        PlanField.GradientAccumulationSteps => "gradient_accumulation_steps",
        PlanField.SequenceLength => "tokenizer.max_seq_len",
        PlanField.Epochs => "epochs",
        PlanField.MaxSteps => "max_steps_per_epoch",
        PlanField.GradientCheckpointing => "enable_activation_checkpointing",
        PlanField.Packing => "dataset.packed",
        PlanField.Seed => "seed",
        PlanField.OffloadOptimizer or PlanField.OffloadParams => "fsdp_cpu_offload",
        PlanField.DataTrain => "dataset",
        PlanField.OutputDir => "output_dir",
        PlanField.LossKernel => "loss._component_",
        PlanField.ActivationOffload => "enable_activation_offloading",
        _ => null,
    };

    /// <summary>The loss component for a kernel: LinearCrossEntropyLoss for chunks of the hidden state, else the plain one.</summary>
    public static string LossComponent(LossChoice loss) => loss.Kernel == LossKernel.Chunked
        ? loss.Split == ChunkSplit.HeadOutputs ? "torchtune.modules.loss.CEWithChunkedOutputLoss" : "torchtune.modules.loss.LinearCrossEntropyLoss"
        : "torch.nn.CrossEntropyLoss";

    public string Setting(PlanChange change) => change.Value switch
    {
        WeightDtype.Fp16 => "dtype: fp32 (torchtune refuses fp16)",
        WeightDtype dtype => $"dtype: {Dtype(dtype)}",
        bool on when change.Field == PlanField.GradientCheckpointing => $"enable_activation_checkpointing: {(on ? "True" : "False")}",
        Quantization.Nf4 => "model._component_: the qlora_ builder of the model",
        Quantization.None => "model._component_: the lora_ builder of the model",
        FineTuneMethod.Lora => "model._component_: the lora_ builder of the model, run with a lora_finetune_* recipe",
        FineTuneMethod.Full => "model._component_: the model's base builder, run with a full_finetune_* recipe",
        OffloadTarget target => $"fsdp_cpu_offload: {(target == OffloadTarget.None ? "False" : "True")}",
        LossChoice => $"loss._component_: {Value(change)}",
        ActivationOffload offload => $"enable_activation_offloading: {(offload == ActivationOffload.None ? "False" : "True")}",
        _ when change.Field == PlanField.ZeroStage => $"ZeRO-{change.Value} (not written in torchtune: its distributed recipes always shard fully with FSDP2)",
        _ => $"{Key(change.Field) ?? change.Field.ToString()}: {Value(change)}",
    };

    public string Value(PlanChange change) => change.Value switch
    {
        LossChoice loss => LossComponent(loss),
        ActivationOffload offload => offload == ActivationOffload.None ? "False" : "True",
        OptimizerType type => Optimizer(type),
        WeightDtype dtype => Dtype(dtype),
        bool on => on ? "True" : "False",
        FineTuneMethod.Lora => "a lora_ builder",
        FineTuneMethod.Full => "the base builder (full fine-tuning)",
        Quantization.Nf4 => "a qlora_ builder (NF4 base)",
        Quantization.Int8 => "8-bit base (not in torchtune)",
        Quantization.None => "a lora_ builder (bf16 base)",
        OffloadTarget target => target == OffloadTarget.None ? "False" : "True",
        AttentionKind kind => kind.ToConfigName() + " (torchtune picks its attention itself)",
        _ when change.Field == PlanField.ZeroStage => $"ZeRO-{change.Value}",
        _ => change.ValueText,
    };

    /// <summary>The <c>optimizer._component_</c> a writer puts for a plan optimizer.</summary>
    public static string Optimizer(OptimizerType type) => type switch
    {
        OptimizerType.AdamW8bit => "bitsandbytes.optim.PagedAdamW8bit",
        OptimizerType.Sgd => "torch.optim.SGD",
        _ => "torch.optim.AdamW",
    };

    public static string Dtype(WeightDtype dtype) => dtype switch
    {
        WeightDtype.Fp32 => "fp32",
        WeightDtype.Fp16 => "fp16",
        _ => "bf16",
    };
}
