using LspFineTune.Core.Planning;

namespace LspFineTune.Core.Estimation;

/// <summary>Bytes per element of each storage format.</summary>
public static class Precision
{
    public static int Bytes(WeightDtype dtype) => dtype == WeightDtype.Fp32 ? 4 : 2;

    /// <summary>DeepSpeed casts the module to its bf16/fp16 and keeps fp32 master weights and states, whatever the framework
    /// loaded (runtime/engine.py <c>_configure_distributed_model</c>; bf16_optimizer.py; zero/stage_1_and_2.py, stage3.py).</summary>
    private static bool DeepSpeedCasts(TrainingPlan plan) =>
        plan.DeepSpeed.Engine == ShardingEngine.DeepSpeed && plan.Model.Dtype != WeightDtype.Fp32;

    /// <summary>accelerate's FSDP with mixed precision upcasts the trainable parameters to fp32 (<see cref="PrecisionRegime.FsdpUpcastsTrainable"/>).</summary>
    private static bool FsdpUpcasts(TrainingPlan plan) =>
        plan.DeepSpeed.Engine == ShardingEngine.Fsdp && plan.Model.Regime.FsdpUpcastsTrainable && plan.Model.Dtype != WeightDtype.Fp32;

    /// <summary>The dtype the weights are held in: the compute dtype under DeepSpeed, else the regime's storage, else the
    /// compute dtype; fp32 compute holds fp32.</summary>
    public static WeightDtype StorageDtype(TrainingPlan plan) =>
        plan.Model.Dtype == WeightDtype.Fp32 ? WeightDtype.Fp32
        : DeepSpeedCasts(plan) ? plan.Model.Dtype
        : plan.Model.Regime.Storage ?? plan.Model.Dtype;

    /// <summary>Bytes of one frozen (or, outside full fine-tuning, any base) weight.</summary>
    public static int StorageBytes(TrainingPlan plan) => Bytes(StorageDtype(plan));

    /// <summary>Bytes of one trained weight of a full fine-tune, and of its gradient (autograd keeps a gradient in its
    /// parameter's dtype): fp32 when the regime upcasts trainable parameters, else the storage dtype.</summary>
    public static int TrainedWeightBytes(TrainingPlan plan) =>
        !DeepSpeedCasts(plan) && (plan.Model.Regime.TrainedInFp32 || FsdpUpcasts(plan)) ? 4 : StorageBytes(plan);

    /// <summary>
    /// Whether the optimizer keeps an fp32 master copy of the trained weights: full fine-tuning of 16-bit weights under a
    /// regime with a master copy (DeepSpeed's). fp32 weights are updated themselves, LoRA adapters are fp32 already, and
    /// zeroth-order SGD updates in place.
    /// </summary>
    public static bool KeepsMasterWeights(TrainingPlan plan) =>
        plan.Method.Type == FineTuneMethod.Full && (plan.Model.Regime.Fp32Master || DeepSpeedCasts(plan)) && TrainedWeightBytes(plan) == 2;

    /// <summary>Pure 16-bit training: trained 16-bit weights updated in place, with the optimizer's states in their dtype.</summary>
    public static bool IsPure(TrainingPlan plan) =>
        plan.Method.Type == FineTuneMethod.Full ? TrainedWeightBytes(plan) == 2 && !KeepsMasterWeights(plan) : AdapterElementBytes(plan) == 2;

    /// <summary>Bytes of one optimizer-state element (an AdamW moment, an Adafactor factor): fp32 with a master copy,
    /// else the trained tensor's own dtype (torch optimizers allocate states with <c>zeros_like(param)</c>).</summary>
    public static int StateElementBytes(TrainingPlan plan) => plan.Method.Type switch
    {
        FineTuneMethod.Full => KeepsMasterWeights(plan) ? 4 : TrainedWeightBytes(plan),
        FineTuneMethod.Lora => AdapterElementBytes(plan),
        _ => 4,
    };

    /// <summary>Bytes per LoRA adapter weight (and its gradient): fp32 as PEFT keeps them by default, or the storage dtype
    /// (torchtune; TRL with <c>autocast_adapter_dtype=False</c>).</summary>
    public static int AdapterElementBytes(TrainingPlan plan) =>
        plan.Model.Regime.AdaptersInFp32 ? AdapterBytes : StorageBytes(plan);

    /// <summary>
    /// Bytes autocast adds per fp32 weight that a 16-bit matmul uses: the cast copy, which the matmul saves for backward
    /// (torch.autocast casts fp32 weights to the autocast dtype per op and caches the cast of a leaf that requires grad
    /// for the rest of the forward: aten/src/ATen/autocast_mode.cpp <c>cached_cast</c>). 0 when no weight is fp32 or
    /// nothing is computed in 16 bits.
    /// </summary>
    public static int AutocastCopyBytes(TrainingPlan plan) =>
        plan.Model.Dtype == WeightDtype.Fp32 ? 0 : Bytes(plan.Model.Dtype);

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
