using LspFineTune.Core.Planning;

namespace LspFineTune.Core.Estimation;

/// <summary>
/// Model states per GPU: weights, gradients, optimizer states and the fp32 gradient copy used by the update,
/// partitioned by DeepSpeed ZeRO over N = gpus_per_node x nodes GPUs and optionally offloaded.
/// Accounting follows the ZeRO paper (Rajbhandari et al. 2020, §3.1 and §5): mixed-precision Adam keeps
/// 2 B weights + 2 B gradients + K = 12 B (fp32 master, m, v) per parameter; stage 1 divides K by N,
/// stage 2 also the gradients, stage 3 also the weights. DeepSpeed's implementation additionally materialises
/// an fp32 copy of each gradient partition for the update (the 18 = 2 + 4 + 4 + 8 of its ZeRO-2 estimator,
/// deepspeed/runtime/zero/stage_1_and_2.py). Pure 16-bit training (torchtune) keeps 2 B weights + 2 B gradients + 4 B
/// of bf16 AdamW moments, with no master copy and no fp32 gradient copy.
/// </summary>
public sealed class ModelStateMemory
{
    public ModelStateMemory(TrainingPlan plan, ParameterBudget budget)
    {
        var n = plan.Hardware.TotalGpus;
        var stage = plan.DeepSpeed.ZeroStage;
        var dtypeBytes = Precision.Bytes(plan.Model.Dtype);
        var method = plan.Method.Type;
        var offloadOptimizer = stage >= 1 && plan.DeepSpeed.OffloadOptimizer != OffloadTarget.None;
        var offloadParams = stage == 3 && plan.DeepSpeed.OffloadParams != OffloadTarget.None;

        // Weights: the base model in its dtype (or quantized block linears), plus fp32 LoRA adapters.
        var baseBytes = Precision.FrozenBlockStorage(plan) is { } frozen
            ? budget.BlockLinearWeights * frozen.Bytes
              + (budget.BaseParameters - budget.BlockLinearWeights) * (double)dtypeBytes
            : budget.BaseParameters * (double)dtypeBytes;
        var adapterBytes = budget.AdapterParameters * (double)Precision.AdapterElementBytes(plan);
        var allWeights = baseBytes + adapterBytes;
        var weightsPerGpu = stage == 3 ? allWeights / n : allWeights;
        WeightBytes = offloadParams ? 0 : weightsPerGpu;
        OffloadedBytes += offloadParams ? allWeights / n : 0;

        // Gradients: 16-bit (or fp32) for full fine-tuning, fp32 for adapters, none for zeroth-order (forward only).
        var gradientBytes = method switch
        {
            FineTuneMethod.Full => budget.TrainableParameters * (double)dtypeBytes,
            FineTuneMethod.Lora => budget.AdapterParameters * (double)Precision.AdapterElementBytes(plan),
            _ => 0,
        };
        var gradientsPerGpu = stage >= 2 ? gradientBytes / n : gradientBytes;
        // With the optimizer offloaded at stage >= 2, DeepSpeed streams gradient partitions to the host
        // (its estimator counts no GPU gradient memory then).
        GradientBytes = offloadOptimizer && stage >= 2 ? 0 : gradientsPerGpu;

        // Optimizer: fp32 master weights (mixed-precision full fine-tuning only) + the optimizer's own state.
        var masterBytes = Precision.KeepsMasterWeights(plan)
            ? budget.TrainableParameters * (double)Precision.MasterWeightBytes
            : 0;
        var optimizerBytes = masterBytes + OptimizerStateSize.Bytes(plan, budget);
        var optimizerPerGpu = stage >= 1 ? optimizerBytes / n : optimizerBytes;

        // The fp32 gradient partition the update reads (mixed-precision full fine-tuning).
        var stepBufferBytes = masterBytes;
        var stepBufferPerGpu = stage >= 1 ? stepBufferBytes / n : stepBufferBytes;

        if (offloadOptimizer)
        {
            OptimizerStateBytes = 0;
            StepBufferBytes = 0;
            OffloadedBytes += optimizerPerGpu + stepBufferPerGpu + (stage >= 2 ? gradientsPerGpu : 0);
        }
        else
        {
            OptimizerStateBytes = optimizerPerGpu;
            StepBufferBytes = stepBufferPerGpu;
        }
    }

    public double WeightBytes { get; }

    public double GradientBytes { get; }

    public double OptimizerStateBytes { get; }

    public double StepBufferBytes { get; }

    /// <summary>Bytes each GPU's share places in host memory (or NVMe) through ZeRO-Offload / ZeRO-Infinity.</summary>
    public double OffloadedBytes { get; }
}
