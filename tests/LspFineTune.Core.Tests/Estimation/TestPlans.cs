using LspFineTune.Core.Catalogs;
using LspFineTune.Core.Planning;

namespace LspFineTune.Core.Tests.Estimation;

/// <summary>Plans built directly from the catalogs, for estimator tests.</summary>
internal static class TestPlans
{
    public static TrainingPlan Catalog(string model, string gpu = "a100-80gb", int gpusPerNode = 1, int nodes = 1)
    {
        var entry = ModelCatalog.Default.Find(model) ?? throw new ArgumentException(model);
        return Inline(entry.Architecture, gpu, gpusPerNode, nodes) with { Model = new ModelChoice { Id = entry.Id, Architecture = entry.Architecture } };
    }

    public static TrainingPlan Inline(ModelArchitecture architecture, string gpu = "a100-80gb", int gpusPerNode = 1, int nodes = 1) => new()
    {
        Model = new ModelChoice { Id = "inline", Architecture = architecture },
        Hardware = new HardwareChoice { Gpu = GpuCatalog.Default.Find(gpu)!, GpusPerNode = gpusPerNode, Nodes = nodes },
    };

    /// <summary>A GPT-3 style block (LayerNorm, GeLU MLP of 4h, multi-head attention), sized as GPT-3 175B.</summary>
    public static ModelArchitecture Gpt3Style => new()
    {
        ModelType = "gpt2",
        NumHiddenLayers = 96,
        HiddenSize = 12288,
        IntermediateSize = 4 * 12288,
        NumAttentionHeads = 96,
        VocabSize = 50257,
        MaxPositionEmbeddings = 2048,
        TieWordEmbeddings = true,
    };

    public static TrainingPlan WithTraining(this TrainingPlan plan, int microBatch, int sequence, bool checkpointing = false, AttentionKind attention = AttentionKind.Sdpa) =>
        plan with { Training = plan.Training with { MicroBatchSize = microBatch, SequenceLength = sequence, GradientCheckpointing = checkpointing, Attention = attention } };

    public static TrainingPlan WithZero(this TrainingPlan plan, int stage, OffloadTarget optimizer = OffloadTarget.None, OffloadTarget parameters = OffloadTarget.None) =>
        plan with { DeepSpeed = new DeepSpeedChoice { ZeroStage = stage, OffloadOptimizer = optimizer, OffloadParams = parameters } };

    public static TrainingPlan WithLora(this TrainingPlan plan, int rank, params string[] targets) =>
        plan with { Method = new MethodChoice { Type = FineTuneMethod.Lora, Lora = new LoraSettings { Rank = rank, TargetModules = targets, AllLinear = targets.Length == 0 } } };
}
