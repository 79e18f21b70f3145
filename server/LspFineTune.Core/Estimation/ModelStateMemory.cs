using LspFineTune.Core.Planning;

namespace LspFineTune.Core.Estimation;

/// <summary>
/// Model states per GPU: weights, gradients, optimizer states and the fp32 gradient copy used by the update,
/// partitioned by DeepSpeed ZeRO over N = gpus_per_node x nodes GPUs and optionally offloaded.
/// Accounting follows the ZeRO paper (Rajbhandari et al. 2020, §3.1 and §5): mixed-precision Adam keeps
/// 2 B weights + 2 B gradients + K = 12 B (fp32 master, m, v) per parameter; stage 1 divides K by N,
/// stage 2 also the gradients, stage 3 also the weights. DeepSpeed's implementation additionally materialises
/// an fp32 copy of each gradient partition for the update (the 18 = 2 + 4 + 4 + 8 of its ZeRO-2 estimator,
/// deepspeed/runtime/zero/stage_1_and_2.py). Pure 16-bit training (torchtune; the Hugging Face Trainer on a bf16-loaded model)
/// keeps 2 B weights + 2 B gradients + 4 B of bf16 AdamW moments, with no master copy and no fp32 gradient copy; fp32
/// trained weights under autocast (LLaMA-Factory full, FSDP with mixed precision) keep 4 + 4 + 8 (see <see cref="PrecisionRegime"/>).
/// Expert parallelism (DeepSpeed-MoE, Rajbhandari et al. 2022; Megatron's expert model parallel) places 1/E_p of the
/// routed experts on each GPU: a state that ZeRO does not shard is still divided by E_p for its expert share, and one
/// it shards over all N GPUs is not divided further (experts are sharded over E_p, then over the N / E_p replicas).
/// Tensor parallelism (Megatron-LM, Shoeybi et al. 2019 §3: column- and row-parallel linears, a vocabulary-parallel
/// embedding) splits every weight over t GPUs, with its gradient and optimizer state; ZeRO then shards over the N / t
/// data-parallel replicas (the layer norms, replicated, are too small to count). With the optimizer step in backward
/// (torchtune optimizer_in_bwd: a post-accumulate-grad hook steps each parameter and frees its gradient) only the
/// gradient being produced exists, at most the largest trained tensor's.
/// </summary>
public sealed class ModelStateMemory
{
    public ModelStateMemory(TrainingPlan plan, ParameterBudget budget)
    {
        var n = plan.Hardware.TotalGpus;
        var stage = plan.DeepSpeed.ZeroStage;
        var storageBytes = (double)Precision.StorageBytes(plan);
        var trainedBytes = (double)Precision.TrainedWeightBytes(plan);
        var method = plan.Method.Type;
        var offloadOptimizer = stage >= 1 && plan.DeepSpeed.OffloadOptimizer != OffloadTarget.None;
        var offloadParams = stage == 3 && plan.DeepSpeed.OffloadParams != OffloadTarget.None;

        // Weights: the base model in its storage dtype (or quantized block linears), a full fine-tune's trained weights in
        // theirs (fp32 where the regime upcasts them), plus the LoRA adapters (fp32 by PEFT's default).
        var baseBytes = Precision.FrozenBlockStorage(plan) is { } frozen
            ? budget.BlockLinearWeights * frozen.Bytes
              + (budget.BaseParameters - budget.BlockLinearWeights) * storageBytes
            : method == FineTuneMethod.Full
                ? (budget.BaseParameters - budget.TrainableParameters) * storageBytes + budget.TrainableParameters * trainedBytes
                : budget.BaseParameters * storageBytes;
        var adapterBytes = budget.AdapterParameters * (double)Precision.AdapterElementBytes(plan);
        // modules_to_save: a trainable copy of each module beside the frozen original (SavedModules).
        var savedBytes = budget.SavedModuleParameters * (double)SavedModules.ElementBytes(plan);
        var allWeights = baseBytes + adapterBytes + savedBytes;
        var ep = Math.Clamp(plan.DeepSpeed.ExpertParallelSize, 1, Math.Max(1, n));
        var expertWeightShare = budget.BaseParameters > 0 ? budget.ExpertParameters / (double)budget.BaseParameters : 0;
        var expertTrainableShare = method switch
        {
            FineTuneMethod.Full => expertWeightShare,
            FineTuneMethod.Lora when budget.AdapterParameters > 0 => budget.ExpertAdapterParameters / (double)budget.AdapterParameters,
            _ => 0,
        };
        var tp = ParallelDegrees.Tensor(plan);
        var dp = Math.Max(1, n / tp);
        // Bytes per GPU of a state: its tensor-parallel slice, then its non-expert share divided by the GPUs that shard it,
        // its expert share by at least E_p.
        double PerGpu(double bytes, bool sharded, double expertShare) =>
            bytes / tp * ((1 - expertShare) / (sharded ? dp : 1) + expertShare / (sharded ? Math.Max(dp, ep) : ep));
        var weightsPerGpu = PerGpu(baseBytes, stage == 3, expertWeightShare) + PerGpu(adapterBytes, stage == 3, expertTrainableShare) + PerGpu(savedBytes, stage == 3, 0);
        WeightBytes = offloadParams ? 0 : weightsPerGpu;
        OffloadedBytes += offloadParams ? allWeights / n : 0;

        // Gradients, in their parameter's dtype: the trained weights' for full fine-tuning, the adapters' for LoRA, none for
        // zeroth-order (forward only).
        var gradientBytes = method switch
        {
            FineTuneMethod.Full => budget.TrainableParameters * trainedBytes,
            FineTuneMethod.Lora => budget.AdapterParameters * (double)Precision.AdapterElementBytes(plan),
            _ => 0,
        };
        var inBackward = StepsInBackward(plan, budget);
        if (inBackward)
            gradientBytes = budget.TrainableGroups.Max(g => (double)g.Rows * g.Columns) * trainedBytes;
        var gradientsPerGpu = PerGpu(gradientBytes, stage >= 2, inBackward ? 0 : expertTrainableShare) + PerGpu(savedBytes, stage >= 2, 0);
        // With the optimizer offloaded at stage >= 2, DeepSpeed streams gradient partitions to the host
        // (its estimator counts no GPU gradient memory then).
        GradientBytes = offloadOptimizer && stage >= 2 ? 0 : gradientsPerGpu;

        // Optimizer: fp32 master weights (mixed-precision full fine-tuning only) + the optimizer's own state.
        var masterBytes = Precision.KeepsMasterWeights(plan)
            ? budget.TrainableParameters * (double)Precision.MasterWeightBytes
            : 0;
        var optimizerBytes = masterBytes + OptimizerStateSize.Bytes(plan, budget);
        var optimizerPerGpu = PerGpu(optimizerBytes, stage >= 1, expertTrainableShare);

        // The fp32 gradient partition the update reads (mixed-precision full fine-tuning).
        var stepBufferBytes = masterBytes;
        var stepBufferPerGpu = PerGpu(stepBufferBytes, stage >= 1, expertTrainableShare);

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

    /// <summary>The optimizer steps inside backward: full fine-tuning only (torchtune's full_finetune recipes read it).</summary>
    public static bool StepsInBackward(TrainingPlan plan, ParameterBudget budget) =>
        plan.Savers.OptimizerInBackward && plan.Method.Type == FineTuneMethod.Full && budget.TrainableGroups.Count > 0;

    public double WeightBytes { get; }

    public double GradientBytes { get; }

    public double OptimizerStateBytes { get; }

    public double StepBufferBytes { get; }

    /// <summary>Bytes each GPU's share places in host memory (or NVMe) through ZeRO-Offload / ZeRO-Infinity.</summary>
    public double OffloadedBytes { get; }
}
