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
    /// How weights, gradients and optimizer states are held beside the compute <see cref="Dtype"/>: with an fp32 master
    /// copy (the default, DeepSpeed's way), pure 16-bit, or trained weights in fp32 under autocast.
    /// </summary>
    public PrecisionRegime Regime { get; init; } = PrecisionRegime.MixedWithMaster;

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

    /// <summary>
    /// PEFT's <c>modules_to_save</c> (TRL and axolotl <c>lora_modules_to_save</c>, LLaMA-Factory <c>additional_target</c>):
    /// modules outside the blocks' linears trained in full beside the adapters, such as <c>embed_tokens</c> and
    /// <c>lm_head</c>. Names are matched like target modules (by suffix).
    /// </summary>
    public IReadOnlyList<string> ModulesToSave { get; init; } = [];

    /// <summary>The framework upcasts every trainable parameter, so the <see cref="ModulesToSave"/> copies, to fp32
    /// (LLaMA-Factory's cast_trainable_params_to_fp32, model/adapter.py 337-350); false: they stay in the model dtype.</summary>
    public bool SavedModulesFp32 { get; init; }

    /// <summary>DoRA (PEFT <c>use_dora</c>): a magnitude vector per adapted linear and a weight norm in every forward.</summary>
    public bool UseDora { get; init; }
}

public sealed record ZerothOrderSettings
{
    public double Epsilon { get; init; } = 1e-3;

    /// <summary>Fraction of weights perturbed and updated; 0.001 is SensZOQ's sensitive-sparse setting.</summary>
    public double TrainableFraction { get; init; } = 1.0;

    /// <summary><c>parameters: lora</c>: perturb only LoRA adapters built from <c>method.lora</c> (MeZO's "MeZO (LoRA)"
    /// variant, the reference's <c>--lora</c> with the zo trainer); false: the base weights.</summary>
    public bool OverLora { get; init; }

    /// <summary>JSON lines of general text whose squared gradients choose SensZOQ's sensitive weights (the paper uses C4
    /// pre-training text); null: the training data.</summary>
    public string? CalibrationDataPath { get; init; }
}

public sealed record MethodChoice
{
    public FineTuneMethod Type { get; init; } = FineTuneMethod.Full;

    public LoraSettings Lora { get; init; } = new();

    public ZerothOrderSettings ZerothOrder { get; init; } = new();

    /// <summary>Whether the model carries LoRA modules: LoRA, or zeroth-order over LoRA parameters.</summary>
    public bool UsesLora => Type == FineTuneMethod.Lora || (Type == FineTuneMethod.ZerothOrder && ZerothOrder.OverLora);
}

public sealed record AdaRankGradSettings
{
    public int MaxRank { get; init; } = 128;

    public double EnergyThreshold { get; init; } = 0.9;

    /// <summary>T, the most steps one subspace is kept (GaLore's update_proj_gap default, 200).</summary>
    public int UpdateInterval { get; init; } = 200;

    /// <summary>The subspace has converged when |P^T G| falls below this fraction of its value when P was chosen.</summary>
    public double ConvergenceTolerance { get; init; } = 0.1;
}

public sealed record OptimizerChoice
{
    public OptimizerType Type { get; init; } = OptimizerType.AdamW;

    public double LearningRate { get; init; } = 2e-5;

    public double WeightDecay { get; init; }

    public LrScheduler Scheduler { get; init; } = LrScheduler.Cosine;

    public int WarmupSteps { get; init; }

    public AdaRankGradSettings AdaRankGrad { get; init; } = new();

    /// <summary>A bitsandbytes paged optimizer (<c>paged_adamw_8bit</c>, <c>PagedAdamW8bit</c>): its states live in CUDA
    /// unified memory, which the driver evicts to host memory when the GPU fills.</summary>
    public bool Paged { get; init; }

    /// <summary>Whether an optimizer's spelling names a paged bitsandbytes optimizer.</summary>
    public static bool IsPaged(string? spelling) => spelling?.Contains("paged", StringComparison.OrdinalIgnoreCase) == true;
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

    /// <summary>Every unpacked micro-batch padded to the full sequence length (axolotl <c>pad_to_sequence_len</c>), not
    /// to its longest example.</summary>
    public bool PadToSequenceLength { get; init; }

    public long Seed { get; init; } = 42;
}

public sealed record DeepSpeedChoice
{
    /// <summary>What shards (or replicates) the model: plain data parallelism, DeepSpeed, or PyTorch FSDP. The ZeRO stage
    /// is the partitioning either way; the engine decides the precision regime and the buffers.</summary>
    public ShardingEngine Engine { get; init; }

    /// <summary>The engine a fix that turns sharding on brings: a DeepSpeed config for the Trainer dialects and the native
    /// format, FSDP for torchtune (its distributed recipes).</summary>
    public ShardingEngine ShardsWith { get; init; } = ShardingEngine.DeepSpeed;

    public int ZeroStage { get; init; }

    public OffloadTarget OffloadOptimizer { get; init; } = OffloadTarget.None;

    public OffloadTarget OffloadParams { get; init; } = OffloadTarget.None;

    /// <summary>
    /// GPUs the experts of a mixture-of-experts model are split across (axolotl expert_parallel_size, LLaMA-Factory
    /// dist_config.ep_size): each holds 1/N of every MoE block's experts; 1 means every GPU holds all of them.
    /// </summary>
    public int ExpertParallelSize { get; init; } = 1;

    /// <summary>DeepSpeed's <c>stage3_prefetch_bucket_size</c> in elements as the config states it; null: DeepSpeed's default
    /// (5e7), or "auto", which the Hugging Face integration fills with 0.9 h² (see Estimation.ZeroBuffers).</summary>
    public double? PrefetchBucketElements { get; init; }

    /// <summary>Whether <c>stage3_prefetch_bucket_size</c> is "auto" (filled from the model by the Hugging Face integration).</summary>
    public bool PrefetchBucketAuto { get; init; }

    /// <summary>Whether <c>reduce_bucket_size</c> is "auto".</summary>
    public bool ReduceBucketAuto { get; init; }

    /// <summary>DeepSpeed's <c>reduce_bucket_size</c> in elements as stated; null: the default (5e8) or "auto" (h²).</summary>
    public double? ReduceBucketElements { get; init; }
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

    /// <summary>The examples' lengths in tokens, from the train file or stated in the modeline; null when unknown.</summary>
    public LengthProfile? Lengths { get; init; }

    /// <summary>The datasets a framework config trains on (axolotl <c>datasets</c>, LLaMA-Factory <c>dataset</c>, TRL
    /// <c>dataset_name</c>), in their own formats; empty for a native config, whose data is <see cref="TrainPath"/>.</summary>
    public IReadOnlyList<DatasetSource> TrainSources { get; init; } = [];

    /// <summary>The datasets it evaluates on (axolotl <c>test_datasets</c>, LLaMA-Factory <c>eval_dataset</c>, TRL's test split).</summary>
    public IReadOnlyList<DatasetSource> EvalSources { get; init; } = [];

    /// <summary>Training records held out for evaluation when no eval dataset is named (axolotl <c>val_set_size</c>,
    /// LLaMA-Factory <c>val_size</c>): a fraction below 1, else a count; null: none.</summary>
    public double? HeldOut { get; init; }

    /// <summary>The key <see cref="HeldOut"/> comes from, for messages.</summary>
    public string? HeldOutSetting { get; init; }
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

    /// <summary>The training objective: SFT, or a preference / RL method with its reference and generation.</summary>
    public ObjectiveChoice Objective { get; init; } = new();

    /// <summary>Loss kernels, activation offloading, selective checkpointing, optimizer-in-backward, context and tensor parallelism.</summary>
    public MemorySaversChoice Savers { get; init; } = new();
}
