using LspFineTune.Core.Catalogs;
using LspFineTune.Core.Planning;

namespace LspFineTune.Core.Estimation;

/// <summary>
/// Step time = the busiest of the GPU's matmuls, its weight reads and the CPU's operator dispatch per micro-batch
/// (the GPU runs asynchronously behind the CPU, so a micro-batch takes the longest of the three), + weight
/// dequantization + the communication that backward cannot hide + optimizer update (+ offload traffic).
/// </summary>
public static class RuntimeModel
{
    /// <summary>
    /// Hardware FLOPs utilisation of the matmul-bound part of a step, by GPU generation, from MosaicML llm-foundry's
    /// published benchmark tables (scripts/train/benchmarking/README.md at 061f2c7: MPT 125M-70B, bf16, FlashAttention,
    /// FSDP): on A100 80GB the runs without activation checkpointing (where MFU = HFU) reach 0.45-0.64, median about
    /// 0.55; on H100 80GB the same configurations reach 0.37-0.46, about 0.42: Hopper's peak is three times Ampere's
    /// for 1.7 times its memory bandwidth, so its memory-bound kernels (norms, activations, attention's softmax) weigh
    /// more. Other generations: EleutherAI's Transformer Math 101 floor for a well-tuned run, ~120 of 312 TFLOP/s (0.40).
    /// What makes a run slower than that (short batches, eager dispatch, exposed communication) is in its own terms.
    /// </summary>
    public static double UtilisationPrior(GpuSpec gpu) => gpu.Architecture switch
    {
        var a when a.StartsWith("Hopper", StringComparison.Ordinal) || a.StartsWith("Blackwell", StringComparison.Ordinal) => HopperUtilisation,
        var a when a.StartsWith("Ampere", StringComparison.Ordinal) || a.StartsWith("Ada", StringComparison.Ordinal) => AmpereUtilisation,
        _ => DefaultUtilisation,
    };

    /// <summary>llm-foundry, A100 80GB bf16, runs without activation checkpointing: median HFU about 0.55.</summary>
    public const double AmpereUtilisation = 0.55;

    /// <summary>llm-foundry, H100 80GB bf16, runs without activation checkpointing: median HFU about 0.42.</summary>
    public const double HopperUtilisation = 0.42;

    /// <summary>EleutherAI Transformer Math 101: training "should always be able to reach ~120 TFLOP/s" on an A100 (0.38).</summary>
    public const double DefaultUtilisation = 0.40;

    /// <summary>
    /// CPU time eager PyTorch spends dispatching one operator (Python, the dispatcher, the kernel launch): on the order of
    /// 10 µs (Horace He, "Making Deep Learning Go Brrrr From First Principles", 2022, the overhead section; the CUDA
    /// launch alone is ~5 µs, NVIDIA's CUDA Graphs post). A micro-batch whose kernels finish sooner is CPU-bound.
    /// </summary>
    public const double SecondsPerOperator = 10e-6;

    /// <summary>
    /// Operators of one decoder block's forward in Hugging Face's eager implementation, counted for Llama: two RMSNorms
    /// in fp32 (to, pow, mean, add, rsqrt, mul, to, mul: 8 each), q/k/v/o projections (4), rotary embedding on q and k
    /// (slice, neg, cat, mul, mul, add for each: 12), the views, transposes and the attention call (7), the gated MLP
    /// (gate, up, act, mul, down: 5) and two residual adds: 46.
    /// </summary>
    public const int OperatorsPerBlockForward = 46;

    /// <summary>Operators per adapted linear that LoRA adds to a forward: dropout, A, B, scale, add (PEFT lora.Linear).</summary>
    public const int OperatorsPerLoraLinear = 5;

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
        // A packed batch is full; an unpacked one is padded to its longest example (SequenceShape).
        var tokensPerSequence = SequenceShape.MeanTokens(plan);
        // Preference pairs train on chosen and rejected: a micro-batch of b examples forwards 2b sequences.
        var tokensPerMicroBatch = training.MicroBatchSize * plan.Objective.SequencesPerExample * tokensPerSequence;
        var tokensPerGpuStep = tokensPerMicroBatch * training.GradientAccumulationSteps;
        // Tensor- and context-parallel groups work on the same tokens: a step trains N / (tp x cp) micro-batches, and each
        // GPU does 1 / (tp x cp) of a micro-batch's FLOPs (the attention context stays s under context parallelism).
        var modelParallel = ParallelDegrees.ModelParallel(plan);
        var tokensPerStep = tokensPerGpuStep * n / modelParallel;

        var flopsPerToken = TrainingFlops.PerToken(plan, budget, tokensPerSequence);
        var peak = PeakFlops(plan) * 1e12;
        var utilisation = UtilisationPrior(gpu);
        var achieved = peak * utilisation;
        var computeSeconds = tokensPerGpuStep / modelParallel * flopsPerToken / achieved;
        var terms = new List<RuntimeTerm>
        {
            new("compute", computeSeconds,
                $"{tokensPerGpuStep / modelParallel:N0} tokens x {FormatFlops(flopsPerToken)}/token / ({PeakFlops(plan):0.###} TFLOPS x {utilisation:P0})"),
        };
        terms.AddRange(SaverRuntime.Terms(plan, budget, terms[0].Seconds, LinkBytesPerSecond(hardware)));

        var bandwidth = gpu.MemoryBandwidthGBps * 1e9 * BandwidthEfficiency;
        // A micro-batch takes the longest of its matmuls, its weight reads and its operator dispatch; the excess of the
        // longest over compute is its own term, so small models and short batches are not estimated as compute-bound.
        var weightReads = WeightReadBytes(plan, budget) * training.GradientAccumulationSteps / bandwidth;
        var operators = OperatorsPerMicroBatch(plan, budget);
        var dispatch = gpu.IsCpu ? 0 : operators * SecondsPerOperator * training.GradientAccumulationSteps;
        if (weightReads > computeSeconds && weightReads >= dispatch)
            terms.Add(new("memory_bound", weightReads - computeSeconds, "the weights' reads per pass outlast the matmuls (a short batch is bandwidth-bound): the excess over compute"));
        else if (dispatch > computeSeconds)
            terms.Add(new("dispatch_overhead", dispatch - computeSeconds, $"{operators:N0} eager operators per micro-batch x {SecondsPerOperator * 1e6:0} µs outlast the GPU's work (CPU-bound): the excess over compute"));
        var dequantize = DequantizationBytes(plan, budget) * training.GradientAccumulationSteps / bandwidth;
        if (dequantize > 0)
            terms.Add(new("dequantization", dequantize, "per pass over each quantized weight: read 4/8-bit, write and read back 16-bit"));

        // Gradient reductions run during backward (DDP's buckets, DeepSpeed's overlap_comm, FSDP's reduce-scatter) and ZeRO-3
        // and FSDP prefetch the next parameters during compute, so only what outlasts that compute is exposed: backward is
        // 2/3 of a step's compute, and ZeRO-3's gathers overlap all of it.
        var communication = CommunicationSeconds(plan, budget);
        var overlapped = computeSeconds * (plan.DeepSpeed.ZeroStage == 3 ? 1.0 : 2.0 / 3);
        if (communication > overlapped)
            terms.Add(new("communication", communication - overlapped, $"ZeRO-{plan.DeepSpeed.ZeroStage} collectives over {(hardware.Nodes > 1 ? "the inter-node network" : gpu.Interconnect)} ({communication:0.###} s), less the {(plan.DeepSpeed.ZeroStage == 3 ? "compute" : "backward")} they overlap"));

        var parameterOffload = ParameterOffloadSeconds(plan, budget);
        if (parameterOffload > 0)
            terms.Add(new("parameter_offload", parameterOffload, "each GPU fetches its parameter partition from host memory for every forward, backward and recompute pass"));

        terms.AddRange(ObjectiveRuntime.Terms(plan, budget, tokensPerSequence, achieved, bandwidth));
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
            UtilisationPrior = utilisation,
            StepsPerEpoch = stepsPerEpoch,
            TotalSteps = totalSteps,
        };
    }

    /// <summary>Seconds the step's collectives take on the link, before any overlap with compute.</summary>
    public static double CommunicationSeconds(TrainingPlan plan, ParameterBudget budget) =>
        CommunicationBytes(plan, budget) / LinkBytesPerSecond(plan.Hardware);

    /// <summary>
    /// Bytes each micro-batch reads of the weights: every pass reads each weight once in its stored format (forward,
    /// backward's input gradient, and the recomputed forward under checkpointing); full fine-tuning reads them once more
    /// for the weight gradients. Zeroth-order runs two forwards.
    /// </summary>
    private static double WeightReadBytes(TrainingPlan plan, ParameterBudget budget)
    {
        var passes = WeightPassesPerMicroBatch(plan) + (plan.Method.Type == FineTuneMethod.Full ? 1 : 0);
        var frozenBlocks = Precision.FrozenBlockStorage(plan) is { } frozen ? frozen.Bytes : Precision.StorageBytes(plan);
        var perPass = budget.BlockLinearWeights * frozenBlocks + (budget.BaseParameters - budget.BlockLinearWeights) * (double)Precision.StorageBytes(plan);
        return passes * perPass;
    }

    /// <summary>Eager operators per micro-batch: the blocks' forward (with LoRA's), backward at about twice the forward's
    /// operators (each autograd node runs one or two kernels), and the recomputed forward under checkpointing.</summary>
    private static double OperatorsPerMicroBatch(TrainingPlan plan, ParameterBudget budget)
    {
        var layers = Math.Max(1, budget.Structure.Layers);
        var loraPerBlock = budget.AdaptedLinears.Sum(l => budget.Structure.LayersOf(l) * (double)l.ActiveCopies) / layers;
        var forward = layers * (OperatorsPerBlockForward + OperatorsPerLoraLinear * loraPerBlock);
        var passes = plan.Method.Type == FineTuneMethod.ZerothOrder ? 2.0 : 3.0 + (plan.Training.GradientCheckpointing ? 1 : 0);
        return forward * passes;
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
            if (training.Packing && (plan.Data.MeanTokensPerExample ?? plan.Data.Lengths?.Mean) is { } mean)
                perEpoch = StepCount(examples * mean / tokensPerStep);
            else
                perEpoch = StepCount(examples / ((double)training.MicroBatchSize * training.GradientAccumulationSteps * n));
        }
        long? total = training.MaxSteps ?? (perEpoch is { } e ? StepCount(e * training.Epochs) : null);
        return (perEpoch, total);
    }

    /// <summary>Whole steps for a fractional count, at least one, saturated far inside a long (a config with numbers at
    /// the edge of their type must not overflow the count).</summary>
    private static long StepCount(double steps) => Math.Max(1, (long)Math.Min(long.MaxValue / 2, Math.Ceiling(steps)));
}
