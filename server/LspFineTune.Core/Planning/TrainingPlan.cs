using LspFineTune.Core.Catalogs;

namespace LspFineTune.Core.Planning;

/// <summary>The model to fine-tune, resolved to an architecture.</summary>
public sealed record ModelChoice
{
    /// <summary>Catalog id, the folder of <c>model.path</c>, or "inline architecture".</summary>
    public required string Id { get; init; }

    public required ModelArchitecture Architecture { get; init; }

    /// <summary>The published parameter count when the model comes from the catalog.</summary>
    public long? PublishedParameters { get; init; }

    public WeightDtype Dtype { get; init; } = WeightDtype.Bf16;

    public Quantization Quantization { get; init; } = Quantization.None;

    /// <summary>
    /// The format a pre-quantized checkpoint stores its block weights in (<c>…-bnb-4bit</c>, <c>…-GPTQ</c>, <c>…-NVFP4</c>):
    /// under an adapter the frozen base stays so even when the config sets no <see cref="Quantization"/>. Null: 16-bit.
    /// </summary>
    public StoredQuantization? Stored { get; init; }

    /// <summary>Where the architecture was read from, and what a derived id's name says; null when not recorded.</summary>
    public ModelOrigin? Origin { get; init; }

    /// <summary>
    /// Pure 16-bit training (no automatic mixed precision): weights, gradients, adapters and optimizer states are all kept
    /// in <see cref="Dtype"/>, with no fp32 master copy (torchtune's recipes; axolotl's <c>bfloat16: true</c>). False:
    /// mixed precision, the Hugging Face Trainer's way. No effect when <see cref="Dtype"/> is fp32.
    /// </summary>
    public bool PureHalfPrecision { get; init; }

    /// <summary>
    /// The parameter layout, built once per architecture. The cache remembers which architecture it was built for,
    /// because a record copy (<c>with</c>) carries the field along, and a copy with another architecture must rebuild.
    /// </summary>
    public ModelStructure Structure
    {
        get
        {
            var cached = _structure;
            if (cached is null || !ReferenceEquals(cached.Architecture, Architecture))
                _structure = cached = ModelStructureBuilder.Build(Architecture);
            return cached;
        }
    }

    private ModelStructure? _structure;
}

public sealed record HardwareChoice
{
    public required GpuSpec Gpu { get; init; }

    public int GpusPerNode { get; init; } = 1;

    public int Nodes { get; init; } = 1;

    /// <summary>The data-parallel degree: every GPU holds a replica or a ZeRO shard.</summary>
    public int TotalGpus => GpusPerNode * Nodes;
}

public sealed record LoraSettings
{
    public int Rank { get; init; } = 16;

    public double Alpha { get; init; } = 32;

    public double Dropout { get; init; } = 0.05;

    /// <summary>Module names PEFT matches by suffix; ignored when <see cref="AllLinear"/>.</summary>
    public IReadOnlyList<string> TargetModules { get; init; } = ["q_proj", "v_proj"];

    /// <summary>PEFT's <c>all-linear</c>: every linear layer of the blocks, not the output head.</summary>
    public bool AllLinear { get; init; }
}

public sealed record ZerothOrderSettings
{
    public double Epsilon { get; init; } = 1e-3;

    /// <summary>Fraction of weights perturbed and updated; 0.001 is SensZOQ's sensitive-sparse setting.</summary>
    public double TrainableFraction { get; init; } = 1.0;
}

public sealed record MethodChoice
{
    public FineTuneMethod Type { get; init; } = FineTuneMethod.Full;

    public LoraSettings Lora { get; init; } = new();

    public ZerothOrderSettings ZerothOrder { get; init; } = new();
}

public sealed record AdaRankGradSettings
{
    public int MaxRank { get; init; } = 128;

    public double EnergyThreshold { get; init; } = 0.9;
}

public sealed record OptimizerChoice
{
    public OptimizerType Type { get; init; } = OptimizerType.AdamW;

    public double LearningRate { get; init; } = 2e-5;

    public double WeightDecay { get; init; }

    public LrScheduler Scheduler { get; init; } = LrScheduler.Cosine;

    public int WarmupSteps { get; init; }

    public AdaRankGradSettings AdaRankGrad { get; init; } = new();
}

public sealed record TrainingChoice
{
    public int MicroBatchSize { get; init; } = 1;

    public int GradientAccumulationSteps { get; init; } = 1;

    public int SequenceLength { get; init; } = 2048;

    public double Epochs { get; init; } = 1;

    public long? MaxSteps { get; init; }

    public bool GradientCheckpointing { get; init; }

    public AttentionKind Attention { get; init; } = AttentionKind.Sdpa;

    public bool Packing { get; init; }

    public long Seed { get; init; } = 42;
}

public sealed record DeepSpeedChoice
{
    public int ZeroStage { get; init; }

    public OffloadTarget OffloadOptimizer { get; init; } = OffloadTarget.None;

    public OffloadTarget OffloadParams { get; init; } = OffloadTarget.None;

    /// <summary>
    /// GPUs the experts of a mixture-of-experts model are split across (axolotl expert_parallel_size, LLaMA-Factory
    /// dist_config.ep_size): each holds 1/N of every MoE block's experts; 1 means every GPU holds all of them.
    /// </summary>
    public int ExpertParallelSize { get; init; } = 1;
}

public sealed record DataChoice
{
    /// <summary>Absolute path of the training JSON lines file, when given.</summary>
    public string? TrainPath { get; init; }

    public string? EvalPath { get; init; }

    /// <summary>Number of training examples: from the config, else counted from the train file.</summary>
    public long? NumExamples { get; init; }

    /// <summary>Mean tokens per example: from the config, else estimated from the train file.</summary>
    public double? MeanTokensPerExample { get; init; }
}

public sealed record OutputChoice
{
    public string Dir { get; init; } = "./runs/lft";

    public int SaveEverySteps { get; init; } = 100;

    public int EvalEverySteps { get; init; } = 50;
}

/// <summary>
/// A config bound to types with every default applied: the single input of estimation, advice and the trainer.
/// Records, so the plan search derives variants with <c>with</c>.
/// </summary>
public sealed record TrainingPlan
{
    public required ModelChoice Model { get; init; }

    public required HardwareChoice Hardware { get; init; }

    public MethodChoice Method { get; init; } = new();

    public OptimizerChoice Optimizer { get; init; } = new();

    public TrainingChoice Training { get; init; } = new();

    public DeepSpeedChoice DeepSpeed { get; init; } = new();

    public DataChoice Data { get; init; } = new();

    public OutputChoice Output { get; init; } = new();

    /// <summary>Loss kernels, activation offloading, selective checkpointing, optimizer-in-backward, context and tensor parallelism.</summary>
    public MemorySaversChoice Savers { get; init; } = new();
}
