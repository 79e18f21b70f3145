using LspFineTune.Core.Planning;

namespace LspFineTune.Core.Estimation;

/// <summary>
/// Step time = compute + weight dequantization + ZeRO communication + optimizer update (+ offload traffic),
/// with no overlap assumed between them (a conservative bound: DeepSpeed overlaps part of the communication).
/// </summary>
public static class RuntimeModel
{
    /// <summary>
    /// Model FLOPs utilisation prior: EleutherAI (Transformer Math 101) says training "should always be able to reach
    /// ~120 TFLOP/s" on an A100 (312 peak), 38%; GPT-NeoX reached 150 (48%); llm-analysis suggests 0.5. We take 0.40.
    /// </summary>
    public const double UtilisationPrior = 0.40;

    /// <summary>Achieved fraction of peak memory bandwidth for streaming kernels (llm-analysis calls 0.9 aggressive).</summary>
    public const double BandwidthEfficiency = 0.8;

    /// <summary>Achieved fraction of link bandwidth for NCCL ring collectives (NCCL bus bandwidth on NVLink A100 systems: ~230 of 300 GB/s).</summary>
    public const double LinkEfficiency = 0.75;

    /// <summary>Assumed inter-node bandwidth per GPU: one 200 Gb/s InfiniBand HDR adapter per GPU, as in a DGX A100.</summary>
    public const double InterNodeGBpsPerGpu = 25;

    /// <summary>Assumed host link per GPU: PCIe Gen4 x16 achieves about 25 GB/s per direction.</summary>
    public const double HostLinkGBps = 25;

    /// <summary>Assumed host memory traffic a node's CPU optimizer sustains (DeepSpeed CPU-Adam is memory-bound).</summary>
    public const double HostOptimizerGBps = 50;

    /// <summary>Assumed NVMe bandwidth per node (one PCIe Gen4 SSD, ~6 GB/s).</summary>
    public const double NvmeGBps = 6;

    public static RuntimeEstimate Estimate(TrainingPlan plan, ParameterBudget budget)
    {
        var training = plan.Training;
        var hardware = plan.Hardware;
        var gpu = hardware.Gpu;
        var n = hardware.TotalGpus;
        var tokensPerSequence = training.Packing || plan.Data.MeanTokensPerExample is null
            ? training.SequenceLength
            : Math.Min(training.SequenceLength, plan.Data.MeanTokensPerExample.Value);
        var tokensPerMicroBatch = training.MicroBatchSize * tokensPerSequence;
        var tokensPerGpuStep = tokensPerMicroBatch * training.GradientAccumulationSteps;
        // Tensor- and context-parallel groups work on the same tokens: a step trains N / (tp x cp) micro-batches, and each
        // GPU does 1 / (tp x cp) of a micro-batch's FLOPs (the attention context stays s under context parallelism).
        var modelParallel = ParallelDegrees.ModelParallel(plan);
        var tokensPerStep = tokensPerGpuStep * n / modelParallel;

        var flopsPerToken = TrainingFlops.PerToken(plan, budget, tokensPerSequence);
        var peak = PeakFlops(plan) * 1e12;
        var achieved = peak * UtilisationPrior;
        var terms = new List<RuntimeTerm>
        {
            new("compute", tokensPerGpuStep / modelParallel * flopsPerToken / achieved,
                $"{tokensPerGpuStep / modelParallel:N0} tokens x {FormatFlops(flopsPerToken)}/token / ({PeakFlops(plan):0.###} TFLOPS x {UtilisationPrior:P0})"),
        };
        terms.AddRange(SaverRuntime.Terms(plan, budget, terms[0].Seconds, LinkBytesPerSecond(hardware)));

        var bandwidth = gpu.MemoryBandwidthGBps * 1e9 * BandwidthEfficiency;
        var dequantize = DequantizationBytes(plan, budget) * training.GradientAccumulationSteps / bandwidth;
        if (dequantize > 0)
            terms.Add(new("dequantization", dequantize, "per pass over each quantized weight: read 4/8-bit, write and read back 16-bit"));

        var communication = CommunicationBytes(plan, budget) / LinkBytesPerSecond(hardware);
        if (communication > 0)
            terms.Add(new("communication", communication, $"ZeRO-{plan.DeepSpeed.ZeroStage} collectives over {(hardware.Nodes > 1 ? "the inter-node network" : gpu.Interconnect)}"));

        var parameterOffload = ParameterOffloadSeconds(plan, budget);
        if (parameterOffload > 0)
            terms.Add(new("parameter_offload", parameterOffload, "each GPU fetches its parameter partition from host memory for every forward, backward and recompute pass"));

        terms.Add(OptimizerTerm(plan, budget, bandwidth));
        if (plan.Method.Type == FineTuneMethod.ZerothOrder)
        {
            // MeZO regenerates z from the seed and perturbs +eps, -2eps, +eps, then updates: 4 read-write passes.
            var passes = 4 * 2.0 * Precision.Bytes(plan.Model.Dtype) * budget.TrainableParameters;
            terms.Add(new("perturbation", passes / bandwidth, "4 read-write passes over the trained weights (MeZO)"));
        }

        var (stepsPerEpoch, totalSteps) = Steps(plan, tokensPerStep, Math.Max(1, n / modelParallel));
        return new RuntimeEstimate
        {
            Terms = terms,
            TokensPerStep = tokensPerStep,
            FlopsPerToken = flopsPerToken,
            AssumedFlopsPerSecond = achieved,
            UtilisationPrior = UtilisationPrior,
            StepsPerEpoch = stepsPerEpoch,
            TotalSteps = totalSteps,
        };
    }

    private static string FormatFlops(double flops) =>
        flops >= 1e9 ? $"{flops / 1e9:0.#} GFLOP" : $"{flops / 1e6:0.##} MFLOP";

    /// <summary>Dense peak TFLOPS for the compute dtype. fp32 uses the non-tensor-core rate (PyTorch disables TF32 matmuls by default).</summary>
    public static double PeakFlops(TrainingPlan plan)
    {
        var gpu = plan.Hardware.Gpu;
        return plan.Model.Dtype switch
        {
            WeightDtype.Bf16 => gpu.Bf16Tflops,
            WeightDtype.Fp16 => gpu.Fp16Tflops,
            _ => gpu.Fp32Tflops,
        };
    }

    private static double DequantizationBytes(TrainingPlan plan, ParameterBudget budget)
    {
        if (Precision.FrozenBlockStorage(plan) is not { } frozen)
            return 0;
        // bitsandbytes (and the GPTQ/AWQ kernels' training path) dequantizes each weight to 16-bit before every matmul
        // pass that uses it.
        var passes = WeightPassesPerMicroBatch(plan);
        var perWeight = frozen.Bytes + 2 * Precision.Bytes(plan.Model.Dtype);
        return passes * perWeight * budget.BlockLinearWeights;
    }

    /// <summary>Bytes each GPU sends per optimizer step in ring collectives (a ring all-gather or reduce-scatter of S bytes sends (N-1)/N S).</summary>
    private static double CommunicationBytes(TrainingPlan plan, ParameterBudget budget)
    {
        // Under tensor parallelism each GPU holds 1/tp of every state and ZeRO's collectives run over the N / tp
        // data-parallel replicas of that slice.
        var tp = ParallelDegrees.Tensor(plan);
        var n = plan.Hardware.TotalGpus / tp;
        if (n == 1 || budget.TrainableParameters == 0 && plan.DeepSpeed.ZeroStage < 3)
            return 0;
        var ring = (n - 1.0) / n / tp;
        var b = Precision.Bytes(plan.Model.Dtype);
        var gradBytes = plan.Method.Type == FineTuneMethod.Lora ? budget.AdapterParameters * 4.0 : budget.TrainableParameters * (double)b;
        var weightBytes = budget.BaseParameters * (double)b;
        var trainedWeightBytes = plan.Method.Type == FineTuneMethod.Lora ? gradBytes : budget.TrainableParameters * (double)b;
        var microBatches = plan.Training.GradientAccumulationSteps;
        return plan.DeepSpeed.ZeroStage switch
        {
            // DDP: one all-reduce (reduce-scatter + all-gather) of the gradients per step.
            0 => 2 * ring * gradBytes,
            // ZeRO-1: reduce-scatter the gradients, all-gather the updated weights, once per step.
            1 => ring * (gradBytes + trainedWeightBytes),
            // ZeRO-2: reduce-scatter after every micro-batch; all-gather the updated weights per step.
            2 => ring * (microBatches * gradBytes + trainedWeightBytes),
            // ZeRO-3: gather the weights for forward and again for backward (and for recompute), reduce-scatter
            // gradients, every micro-batch: 1.5x DP's volume (ZeRO paper §7.2.2).
            _ => ring * microBatches * ((plan.Training.GradientCheckpointing ? 3 : 2) * weightBytes + gradBytes),
        };
    }

    internal static double LinkBytesPerSecond(HardwareChoice hardware)
    {
        // Catalog figures are bidirectional totals (NVLink 600 GB/s on A100); a ring sends in one direction.
        var perDirection = hardware.Nodes > 1 ? InterNodeGBpsPerGpu : hardware.Gpu.IntraNodeBandwidthGBps / 2;
        return Math.Max(perDirection, 1) * 1e9 * LinkEfficiency;
    }

    /// <summary>
    /// How many times each micro-batch reads every weight: forward and backward (input gradient), plus the
    /// recomputed forward under checkpointing; zeroth-order training runs two forwards and no backward.
    /// </summary>
    private static int WeightPassesPerMicroBatch(TrainingPlan plan) =>
        plan.Method.Type == FineTuneMethod.ZerothOrder ? 2 : plan.Training.GradientCheckpointing ? 3 : 2;

    /// <summary>ZeRO-Infinity parameter offload: the 16-bit partition crosses the host link once per pass of every micro-batch.</summary>
    private static double ParameterOffloadSeconds(TrainingPlan plan, ParameterBudget budget)
    {
        if (plan.DeepSpeed.ZeroStage != 3 || plan.DeepSpeed.OffloadParams == OffloadTarget.None)
            return 0;
        var passes = WeightPassesPerMicroBatch(plan);
        var partition = budget.BaseParameters * (double)Precision.Bytes(plan.Model.Dtype) / plan.Hardware.TotalGpus;
        var linkBytesPerSecond = (plan.DeepSpeed.OffloadParams == OffloadTarget.Nvme ? NvmeGBps / plan.Hardware.GpusPerNode : HostLinkGBps) * 1e9;
        return passes * plan.Training.GradientAccumulationSteps * partition / linkBytesPerSecond;
    }

    /// <summary>The update reads the gradient and reads and writes master weights and states, then writes the 16-bit weight.</summary>
    private static RuntimeTerm OptimizerTerm(TrainingPlan plan, ParameterBudget budget, double gpuBandwidth)
    {
        var n = plan.Hardware.TotalGpus;
        var share = plan.DeepSpeed.ZeroStage >= 1 ? 1.0 / n : 1.0;
        var trained = budget.TrainableParameters * share;
        if (trained == 0 || plan.Method.Type == FineTuneMethod.ZerothOrder)
            return new RuntimeTerm("optimizer", 0, "no optimizer state (zeroth-order SGD updates during perturbation)");
        var stateBytes = (OptimizerStateSize.Bytes(plan, budget) + (Precision.KeepsMasterWeights(plan) ? (double)Precision.MasterWeightBytes * budget.TrainableParameters : 0)) * share;
        var gradAndWeight = trained * (plan.Method.Type == FineTuneMethod.Lora ? 8 : 2 * Precision.Bytes(plan.Model.Dtype));
        var traffic = 2 * stateBytes + gradAndWeight;
        var offload = plan.DeepSpeed.ZeroStage >= 1 ? plan.DeepSpeed.OffloadOptimizer : OffloadTarget.None;
        return offload switch
        {
            OffloadTarget.Cpu => new RuntimeTerm("optimizer", traffic * plan.Hardware.GpusPerNode / (HostOptimizerGBps * 1e9) + gradAndWeight / (HostLinkGBps * 1e9),
                "CPU-Adam over the node's shares + gradients down and weights up over PCIe"),
            OffloadTarget.Nvme => new RuntimeTerm("optimizer", 2 * stateBytes * plan.Hardware.GpusPerNode / (NvmeGBps * 1e9) + traffic * plan.Hardware.GpusPerNode / (HostOptimizerGBps * 1e9),
                "states read from and written to NVMe every step, then CPU-Adam"),
            _ => new RuntimeTerm("optimizer", traffic / gpuBandwidth, "update streams states, master weights and gradients through HBM"),
        };
    }

    private static (long? PerEpoch, long? Total) Steps(TrainingPlan plan, double tokensPerStep, int n)
    {
        var training = plan.Training;
        long? perEpoch = null;
        if (plan.Data.NumExamples is { } examples)
        {
            if (training.Packing && plan.Data.MeanTokensPerExample is { } mean)
                perEpoch = Math.Max(1, (long)Math.Ceiling(examples * mean / tokensPerStep));
            else
                perEpoch = Math.Max(1, (long)Math.Ceiling(examples / (double)(training.MicroBatchSize * training.GradientAccumulationSteps * n)));
        }
        long? total = training.MaxSteps ?? (perEpoch is { } e ? (long)Math.Ceiling(e * training.Epochs) : null);
        return (perEpoch, total);
    }
}
