namespace LspFineTune.Core.Planning;

/// <summary>
/// How the weights, gradients and optimizer states are held beside the compute dtype (<see cref="ModelChoice.Dtype"/>,
/// the dtype of activations and matmuls). Frameworks differ here, and the difference is 8 to 18 bytes per trained
/// parameter:
/// <list type="bullet">
/// <item>mixed precision with an fp32 master copy (<see cref="MixedWithMaster"/>): 16-bit weights and gradients, fp32
///   master weights and states in the optimizer: DeepSpeed's bf16/fp16 optimizers (the ZeRO paper's 2 + 2 + 12), Megatron;</item>
/// <item>fp32 trained weights under autocast (<see cref="TrainedInFp32"/>): PyTorch AMP over weights kept in fp32, as
///   LLaMA-Factory's full fine-tuning upcasts them (model/adapter.py <c>_setup_full_tuning</c>) and accelerate's FSDP
///   upcasts every trainable parameter when mixed precision is on (accelerator.py, "FSDP upcast of low precision
///   parameters"): 4 + 4 + 8, and autocast's 16-bit copies of the weights for the matmuls;</item>
/// <item>pure 16-bit (<see cref="Pure"/>): the model loaded in bf16 and trained in place, states in the parameter's dtype
///   (torch.optim's AdamW allocates its moments with <c>zeros_like(param)</c>): the Hugging Face Trainer on a bf16-loaded
///   model, axolotl without DeepSpeed, torchtune, LLaMA-Factory's <c>pure_bf16</c>: 2 + 2 + 4.</item>
/// </list>
/// This record is the regime without a sharding engine; DeepSpeed casts the module to the compute dtype and keeps fp32
/// master weights whatever the framework does (runtime/engine.py <c>_configure_distributed_model</c>), which the
/// estimator applies from the plan's engine.
/// </summary>
public sealed record PrecisionRegime
{
    /// <summary>The dtype the weights are loaded and kept in (the frozen base, and trained weights unless
    /// <see cref="TrainedInFp32"/>); null: the compute dtype.</summary>
    public WeightDtype? Storage { get; init; }

    /// <summary>Trainable parameters are upcast to fp32 before training and computed in the 16-bit dtype by autocast.</summary>
    public bool TrainedInFp32 { get; init; }

    /// <summary>The optimizer keeps an fp32 master copy of 16-bit trained weights, and its states in fp32.</summary>
    public bool Fp32Master { get; init; } = true;

    /// <summary>LoRA adapters are kept in fp32 (PEFT's <c>autocast_adapter_dtype=True</c> default) rather than the storage dtype.</summary>
    public bool AdaptersInFp32 { get; init; } = true;

    /// <summary>
    /// accelerate's FSDP upcasts trainable parameters to fp32 when mixed precision is on (accelerator.py 1981-2031,
    /// utils/fsdp_utils.py 804-815), so a Trainer run sharded by FSDP trains fp32 weights; torchtune's own FSDP2 keeps
    /// them in bf16. A sharding engine is the plan's (<see cref="DeepSpeedChoice.Engine"/>), so a fix that adds one
    /// changes the regime with it (see Estimation.Precision).
    /// </summary>
    public bool FsdpUpcastsTrainable { get; init; }

    /// <summary>16-bit weights with an fp32 master copy and fp32 states (DeepSpeed, Megatron; the native format's default).</summary>
    public static PrecisionRegime MixedWithMaster { get; } = new();

    /// <summary>Everything in the weights' 16-bit dtype, LoRA adapters too (torchtune's recipes).</summary>
    public static PrecisionRegime Pure { get; } = new() { Fp32Master = false, AdaptersInFp32 = false };

    /// <summary>The model trained in the dtype it was loaded in, with no master copy; PEFT's adapters in fp32.</summary>
    public static PrecisionRegime InPlace(WeightDtype storage) => new() { Storage = storage, Fp32Master = false };

    /// <summary>Trainable parameters upcast to fp32 and trained under autocast; the frozen rest in <paramref name="storage"/>.</summary>
    public static PrecisionRegime AutocastOverFp32(WeightDtype? storage) => new() { Storage = storage, TrainedInFp32 = true, Fp32Master = false };
}
