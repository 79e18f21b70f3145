namespace LspFineTune.Core.Dialects;

/// <summary>
/// The dialect-neutral names of the plan's fields: what advice, estimation and provenance speak. Each dialect maps
/// them to its own keys (native <c>training.micro_batch_size</c>, axolotl <c>micro_batch_size</c>, LLaMA-Factory
/// <c>per_device_train_batch_size</c>); nothing outside a dialect knows a key path.
/// </summary>
public enum PlanField
{
    Model,
    Dtype,
    Quantization,
    Gpu,
    GpusPerNode,
    Nodes,
    Method,
    LoraRank,
    LoraAlpha,
    LoraDropout,
    LoraTargets,
    ZerothOrderEpsilon,
    ZerothOrderTrainableFraction,
    Optimizer,
    LearningRate,
    WeightDecay,
    LrScheduler,
    WarmupSteps,
    AdaRankGradMaxRank,
    AdaRankGradEnergyThreshold,
    MicroBatchSize,
    GradientAccumulationSteps,
    SequenceLength,
    Epochs,
    MaxSteps,
    GradientCheckpointing,
    Attention,
    Packing,
    Seed,
    ZeroStage,
    /// <summary>The loss kernel (a <see cref="Planning.LossChoice"/>): chunked, fused or cut cross-entropy.</summary>
    LossKernel,
    /// <summary>Activation offloading (an <see cref="Planning.ActivationOffload"/>).</summary>
    ActivationOffload,
    OffloadOptimizer,
    OffloadParams,
    DataTrain,
    DataEval,
    NumExamples,
    MeanTokensPerExample,
    OutputDir,
    SaveEverySteps,
    EvalEverySteps,
}
