using LspFineTune.Core.Planning;

namespace LspFineTune.Core.Dialects.HuggingFace;

/// <summary>
/// The precision regime of a run on the Hugging Face Trainer (TRL, axolotl, LLaMA-Factory), from the dtype the model is
/// loaded in and what shards it. The Trainer's <c>bf16</c>/<c>fp16</c> only turn on autocast; the weights stay in the
/// dtype they were loaded in, and torch's optimizers keep their states in that dtype, unless an engine changes them:
/// <list type="bullet">
/// <item>DeepSpeed casts the module to its bf16/fp16 and keeps fp32 master weights and states in its optimizer
///   (runtime/engine.py <c>_configure_distributed_model</c>; bf16_optimizer.py; zero/stage_1_and_2.py), at every stage;</item>
/// <item>accelerate's FSDP upcasts every trainable parameter to fp32 when mixed precision is on, "to mimic DeepSpeed"
///   (accelerate@16cb6eb accelerator.py 1981-2031 for FSDP1, utils/fsdp_utils.py 804-815 for FSDP2), and computes
///   in the 16-bit <c>param_dtype</c>;</item>
/// <item>otherwise the model trains in its load dtype: pure 16-bit when loaded in bf16/fp16, fp32 weights under
///   autocast when loaded in fp32 (TRL's <c>dtype</c> default), and fp32 trained weights when the framework upcasts
///   them itself (LLaMA-Factory's full fine-tuning).</item>
/// </list>
/// </summary>
public static class TrainerPrecision
{
    /// <param name="compute">The autocast dtype (bf16/fp16), or fp32 when none is on.</param>
    /// <param name="load">The dtype the weights are loaded in.</param>
    /// <param name="upcastsTrainable">The framework casts trainable parameters to fp32 itself (LLaMA-Factory's full fine-tuning).</param>
    /// <param name="adaptersInFp32">LoRA adapters in fp32 (PEFT's default) rather than the load dtype.</param>
    /// <returns>The regime without a sharding engine; DeepSpeed's and FSDP's changes follow the plan's engine.</returns>
    public static PrecisionRegime Regime(WeightDtype compute, WeightDtype load, bool upcastsTrainable = false, bool adaptersInFp32 = true)
    {
        if (compute == WeightDtype.Fp32)
            return PrecisionRegime.InPlace(WeightDtype.Fp32);
        var regime = upcastsTrainable ? PrecisionRegime.AutocastOverFp32(load) : PrecisionRegime.InPlace(load);
        return regime with { AdaptersInFp32 = adaptersInFp32, FsdpUpcastsTrainable = true };
    }
}
