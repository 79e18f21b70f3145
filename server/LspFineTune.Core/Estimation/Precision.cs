using LspFineTune.Core.Planning;

namespace LspFineTune.Core.Estimation;

/// <summary>Bytes per element of each storage format.</summary>
public static class Precision
{
    public static int Bytes(WeightDtype dtype) => dtype == WeightDtype.Fp32 ? 4 : 2;

    /// <summary>Mixed precision: 16-bit weights and activations with fp32 master weights in the optimizer (ZeRO paper §3.1; Micikevicius et al. 2018).</summary>
    public static bool IsMixed(WeightDtype dtype) => dtype != WeightDtype.Fp32;

    /// <summary>
    /// Whether the optimizer keeps an fp32 master copy of the trained weights: mixed-precision full fine-tuning only.
    /// fp32 training updates the weights themselves, LoRA adapters are fp32 already, and zeroth-order SGD updates in place.
    /// </summary>
    public static bool KeepsMasterWeights(TrainingPlan plan) =>
        plan.Method.Type == FineTuneMethod.Full && IsMixed(plan.Model.Dtype) && !IsPure(plan);

    /// <summary>Pure 16-bit training (<see cref="ModelChoice.PureHalfPrecision"/> with a 16-bit dtype): every tensor in the dtype.</summary>
    public static bool IsPure(TrainingPlan plan) => plan.Model.PureHalfPrecision && plan.Model.Dtype != WeightDtype.Fp32;

    /// <summary>Bytes of one optimizer-state element (an AdamW moment, an Adafactor factor): fp32, or the dtype when pure
    /// (torch optimizers keep states in the parameter's dtype).</summary>
    public static int StateElementBytes(TrainingPlan plan) => IsPure(plan) ? Bytes(plan.Model.Dtype) : 4;

    /// <summary>Bytes per LoRA adapter weight (and its gradient): fp32 as PEFT keeps them, or the dtype when pure.</summary>
    public static int AdapterElementBytes(TrainingPlan plan) => IsPure(plan) ? Bytes(plan.Model.Dtype) : AdapterBytes;

    /// <summary>
    /// Storage per quantized weight, including the quantization constants.
    /// nf4: 4 bits + double-quantized block constants: 8-bit absmax per 64 weights plus fp32 per 256 blocks
    ///   = 0.5 + 1/64 + 4/(64*256) = 0.515869 B (QLoRA, Dettmers et al. 2023, §2: 0.127 bits/param of constants).
    /// int8: LLM.int8() stores one fp32 scale per output row (SCB); over a row of `in` weights that is 4/in B,
    ///   which for in >= 2048 is under 0.2% and is folded into 1 byte here (Dettmers et al. 2022).
    /// </summary>
    public static double QuantizedBytes(Quantization quantization) => quantization switch
    {
        Quantization.Nf4 => 0.5 + 1.0 / 64 + 4.0 / (64 * 256),
        Quantization.Int8 => 1.0,
        _ => throw new ArgumentOutOfRangeException(nameof(quantization), quantization, "not a quantized format"),
    };

    /// <summary>
    /// Bytes per frozen block linear weight when they are not 16-bit, with the format's name: the format a pre-quantized
    /// checkpoint stores (<see cref="ModelChoice.Stored"/>: an unsloth bnb-4bit, GPTQ, AWQ, FP8 or NVFP4 upload keeps its
    /// base so under an adapter, and from_pretrained uses the checkpoint's quantization_config over one the config passes:
    /// transformers quantizers/auto.py warns "The `quantization_config` from the model will be used"),
    /// else the config's load-time quantization (QLoRA's load_in_4bit). Null for full fine-tuning, which trains 16-bit
    /// weights (a quantized base is an error there).
    /// </summary>
    public static (double Bytes, string Name)? FrozenBlockStorage(TrainingPlan plan)
    {
        if (plan.Method.Type == FineTuneMethod.Full)
            return null;
        if (plan.Model.Stored is { } stored)
            return (stored.BytesPerWeight, "stored " + stored.Name);
        return plan.Model.Quantization != Quantization.None
            ? (QuantizedBytes(plan.Model.Quantization), plan.Model.Quantization.ToConfigName())
            : null;
    }

    /// <summary>LoRA adapters are kept in fp32 even on a 16-bit base (PEFT's autocast_adapter_dtype=True default).</summary>
    public const int AdapterBytes = 4;

    /// <summary>fp32 master copy of each trained weight in mixed precision (ZeRO paper K = 12 = 4 master + 4 m + 4 v).</summary>
    public const int MasterWeightBytes = 4;
}
