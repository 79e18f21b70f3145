using LspFineTune.Core.Dialects.HuggingFace;
using LspFineTune.Core.Planning;

namespace LspFineTune.Core.Dialects.Trl;

/// <summary>TRL's keys for the plan fields (TrainingArguments, the trainer configs and <c>ModelConfig</c>) and how
/// changes read in its own words (<c>use_peft: true</c>, <c>optim: adamw_bnb_8bit</c>).</summary>
public sealed class TrlVocabulary : IDialectVocabulary
{
    public static TrlVocabulary Instance { get; } = new();

    public string? Key(PlanField field) => field switch
    {
        PlanField.Model => "model_name_or_path",
        PlanField.Quantization => "load_in_4bit",
        PlanField.Gpu => "# lft: gpu=",
        PlanField.GpusPerNode => "num_processes",
        PlanField.Nodes => "num_machines",
        PlanField.Method => "use_peft",
        PlanField.LoraRank => "lora_r",
        PlanField.LoraAlpha => "lora_alpha",
        PlanField.LoraDropout => "lora_dropout",
        PlanField.LoraTargets => "lora_target_modules",
        PlanField.SequenceLength => "max_length",
        PlanField.Attention => "attn_implementation",
        PlanField.Packing => "packing",
        PlanField.DataTrain => "dataset_name",
        PlanField.ActivationOffload => "activation_offloading",
        _ => TrainingArgumentsVocabulary.Key(field),
    };

    public string Setting(PlanChange change) => TrainingArgumentsVocabulary.Setting(change) ?? change.Value switch
    {
        Quantization.Nf4 => "use_peft: true + load_in_4bit: true",
        Quantization.Int8 => "use_peft: true + load_in_8bit: true",
        Quantization.None => "load_in_4bit: false",
        FineTuneMethod.Lora => "use_peft: true",
        FineTuneMethod.Full => "use_peft: false",
        _ when change.Field == PlanField.ZeroStage => $"ZeRO-{change.Value} (`accelerate_config: zero{change.Value}`, or zero_optimization.stage in the deepspeed JSON)",
        _ => $"{Key(change.Field) ?? change.Field.ToString()}: {Value(change)}",
    };

    public string Value(PlanChange change) => TransformersSpellings.Spelling(change.Value) ?? (change.Field, change.Value) switch
    {
        (PlanField.ZeroStage, _) => $"ZeRO-{change.Value}",
        (_, LossChoice loss) => loss.Kernel == LossKernel.LigerFused ? "true" : "false",
        (_, ActivationOffload offload) => offload == ActivationOffload.None ? "false" : "true",
        (_, FineTuneMethod method) => method == FineTuneMethod.Lora ? "true (LoRA)" : "false (full fine-tuning)",
        (_, Quantization quantization) => quantization switch { Quantization.Nf4 => "4-bit base (QLoRA)", Quantization.Int8 => "8-bit base", _ => "16-bit base" },
        _ => change.ValueText,
    };
}
