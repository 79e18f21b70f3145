using LspFineTune.Core.Diagnostics;
using LspFineTune.Core.Dialects.DeepSpeed;
using LspFineTune.Core.Planning;
using LspFineTune.Core.Syntax;
using static LspFineTune.Core.Planning.SyntaxReader;

namespace LspFineTune.Core.Dialects.HuggingFace;

/// <summary>The defaults a trainer built on <c>TrainingArguments</c> changes (TRL turns gradient checkpointing and bf16 on).</summary>
public sealed record TrainingArgumentsDefaults
{
    /// <summary>transformers@00349ae: false; TRL's <c>_BaseConfig</c>: true.</summary>
    public bool GradientCheckpointing { get; init; }

    /// <summary>transformers: false; TRL: bf16 unless fp16 is set (<c>bf16: None</c> resolved in <c>__post_init__</c>).</summary>
    public bool Bf16UnlessFp16 { get; init; }

    /// <summary>transformers: 5e-5; TRL's configs set their own (SFT 2e-5, DPO/GRPO/KTO/RLOO 1e-6, Reward 1e-4).</summary>
    public double LearningRate { get; init; } = 5e-5;

    public static TrainingArgumentsDefaults Transformers { get; } = new();
}

/// <summary>The <c>TrainingArguments</c> values that matter for memory and time, read from a flat config.</summary>
public sealed record TrainingArgumentsValues
{
    public required int MicroBatch { get; init; }
    public required int GradientAccumulation { get; init; }
    public required bool Bf16 { get; init; }
    public required bool Fp16 { get; init; }
    public required string OptimizerName { get; init; }
    public required OptimizerType Optimizer { get; init; }
    public required bool GradientCheckpointing { get; init; }
    public required double LearningRate { get; init; }
    public required double WeightDecay { get; init; }
    public required LrScheduler Scheduler { get; init; }
    public required int WarmupSteps { get; init; }
    public required double Epochs { get; init; }
    public required long? MaxSteps { get; init; }
    public required long Seed { get; init; }
    public required string? OutputDir { get; init; }
    public required double MaxGradNorm { get; init; }

    /// <summary>What <c>deepspeed:</c> leads to (a file, a preset, an inline mapping); null when not written.</summary>
    public DeepSpeedReference? DeepSpeed { get; init; }

    /// <summary>The ZeRO stage and offload: DeepSpeed's, else FSDP's equivalent, else none.</summary>
    public required DeepSpeedChoice Sharding { get; init; }

    /// <summary>Whether the trainer shards with FSDP (<c>fsdp:</c>): ZeRO is then not written into this config.</summary>
    public bool UsesFsdp { get; init; }

    /// <summary>The plan's optimizer from these values; <paramref name="type"/> when the trainer replaces <c>optim</c>
    /// (LLaMA-Factory's <c>use_galore</c>).</summary>
    public OptimizerChoice ToOptimizerChoice(OptimizerType? type = null) => new()
    {
        Type = type ?? Optimizer,
        Paged = (type is null || type == Optimizer) && OptimizerChoice.IsPaged(OptimizerName),
        LearningRate = LearningRate,
        WeightDecay = WeightDecay,
        Scheduler = Scheduler,
        WarmupSteps = WarmupSteps,
    };
}

/// <summary>
/// Reads the Hugging Face <c>TrainingArguments</c> keys (transformers@00349ae <c>training_args.py</c>) that
/// LLaMA-Factory and TRL configs share, with transformers' defaults or the trainer's own, and records where each value
/// came from. The DeepSpeed config <c>deepspeed:</c> names is followed and checked here (its "auto" values are filled
/// from these keys); <c>fsdp:</c> is mapped to its ZeRO equivalent.
/// </summary>
public static class TrainingArgumentsReader
{
    public static TrainingArgumentsValues Read(MappingNode root, DocumentContext document, BindingOptions options, TrainingArgumentsDefaults defaults, PlanProvenance provenance, List<Diagnostic> diagnostics)
    {
        void From(PlanField field, string key)
        {
            if (root.Find(key) is { } property)
                provenance.Set(field, new ValueSource(ValueOrigin.Document) { Property = property });
        }
        var fp16 = Bool(root, "fp16", false);
        var bf16 = Scalar(root, "bf16") is { IsNull: false } bf16Value ? bf16Value.AsBoolean() == true : defaults.Bf16UnlessFp16 && !fp16;
        From(PlanField.Dtype, fp16 ? "fp16" : "bf16");
        var optimizerName = String(root, "optim") ?? "adamw_torch_fused";
        var (optimizer, approximation) = TransformersSpellings.Optimizer(optimizerName);
        if (approximation is not null && root.Find("optim") is { } optimizerProperty)
            diagnostics.Add(new Diagnostic(DiagnosticCodes.NotModelled, DiagnosticSeverity.Information, approximation + ".", optimizerProperty.Key.Range));
        From(PlanField.Optimizer, "optim");

        // warmup_steps below 1 is a ratio of the total steps (transformers v5); the step count is then not known here.
        var warmup = NullableDouble(root, "warmup_steps") is >= 1 and var steps ? (int)steps : 0;
        From(PlanField.WarmupSteps, "warmup_steps");
        var values = new TrainingArgumentsValues
        {
            MicroBatch = Math.Max(1, Int(root, "per_device_train_batch_size", 8)),
            GradientAccumulation = Math.Max(1, Int(root, "gradient_accumulation_steps", 1)),
            Bf16 = bf16,
            Fp16 = fp16,
            OptimizerName = optimizerName,
            Optimizer = optimizer,
            GradientCheckpointing = Bool(root, "gradient_checkpointing", defaults.GradientCheckpointing),
            LearningRate = Double(root, "learning_rate", defaults.LearningRate),
            WeightDecay = Double(root, "weight_decay", 0),
            Scheduler = String(root, "lr_scheduler_type")?.ToLowerInvariant() switch
            {
                "constant" or "constant_with_warmup" => LrScheduler.Constant,
                null or "linear" => LrScheduler.Linear,
                _ => LrScheduler.Cosine,
            },
            WarmupSteps = warmup,
            Epochs = Double(root, "num_train_epochs", 3.0) is > 0 and var epochs ? epochs : 3.0,
            MaxSteps = NullableLong(root, "max_steps") is > 0 and var max ? max : null,
            Seed = NullableLong(root, "seed") ?? 42,
            OutputDir = String(root, "output_dir"),
            MaxGradNorm = Double(root, "max_grad_norm", 1.0),
            Sharding = new DeepSpeedChoice(),
        };
        From(PlanField.MicroBatchSize, "per_device_train_batch_size");
        From(PlanField.GradientAccumulationSteps, "gradient_accumulation_steps");
        From(PlanField.GradientCheckpointing, "gradient_checkpointing");
        From(PlanField.LearningRate, "learning_rate");
        From(PlanField.WeightDecay, "weight_decay");
        From(PlanField.LrScheduler, "lr_scheduler_type");
        From(PlanField.Epochs, "num_train_epochs");
        From(PlanField.MaxSteps, "max_steps");
        From(PlanField.Seed, "seed");
        From(PlanField.OutputDir, "output_dir");

        if (root.Find("deepspeed") is { } dsKey && DeepSpeedReference.Resolve(dsKey, document, options, diagnostics) is { } deepSpeed)
        {
            values = values with
            {
                DeepSpeed = deepSpeed,
                Sharding = deepSpeed.Settings is { } settings ? TrainerDeepSpeed.Sharding(deepSpeed, settings, provenance) : values.Sharding,
                Optimizer = TrainerDeepSpeed.Optimizer(deepSpeed, optimizer),
            };
        }
        else if (Fsdp(root) is { } fsdp)
        {
            var (choice, note) = FsdpSharding.Equivalent(fsdp.Strategy, fsdp.Reshard, fsdp.Offload);
            foreach (var field in new[] { PlanField.ZeroStage, PlanField.OffloadParams, PlanField.OffloadOptimizer })
                provenance.Set(field, new ValueSource(ValueOrigin.Document) { Property = fsdp.Property });
            diagnostics.Add(new Diagnostic(DiagnosticCodes.NotModelled, DiagnosticSeverity.Information, note, fsdp.Property.Key.Range));
            values = values with { Sharding = choice, UsesFsdp = true };
        }
        return values;
    }

    /// <summary>The checks of the DeepSpeed config against these values, once the GPU count is known.</summary>
    public static void CheckDeepSpeed(MappingNode root, TrainingArgumentsValues values, int worldSize, List<Diagnostic> diagnostics)
    {
        if (values.DeepSpeed is not { Settings: { } settings } deepSpeed)
            return;
        var trainer = new TrainerValues(values.MicroBatch, "per_device_train_batch_size", values.GradientAccumulation, "gradient_accumulation_steps",
            worldSize, values.Bf16, values.Fp16, values.Fp16 ? "fp16" : "bf16")
        {
            MaxGradNorm = values.MaxGradNorm,
        };
        TrainerDeepSpeed.Check(deepSpeed, settings, trainer, TransformersSpellings.Optimizer(values.OptimizerName).Type, "optim", values.OptimizerName, root.Find("optim"), diagnostics);
    }

    /// <summary><c>fsdp</c> (a list or a space-separated string of options) with <c>fsdp_config</c> (a mapping; a JSON path
    /// is not followed); null when FSDP is off.</summary>
    private static (PropertyNode Property, string? Strategy, bool? Reshard, bool Offload)? Fsdp(MappingNode root)
    {
        if (root.Find("fsdp") is not { } property)
            return null;
        var options = property.Value switch
        {
            SequenceNode list => list.Items.OfType<ScalarNode>().Select(i => i.Value.Trim().ToLowerInvariant()).ToList(),
            ScalarNode { IsNull: false } text when text.AsBoolean() is null => text.Value.Split(' ', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(o => o.ToLowerInvariant()).ToList(),
            _ => [],
        };
        if (options.Count == 0)
            return null;
        var config = root.Find("fsdp_config")?.Value as MappingNode;
        var strategy = options.FirstOrDefault(o => o is "full_shard" or "shard_grad_op" or "hybrid_shard" or "hybrid_shard_zero2" or "no_shard");
        var reshard = (Scalar(config, "reshard_after_forward") ?? Scalar(config, "fsdp_reshard_after_forward"))?.AsBoolean();
        var offload = options.Contains("offload") || (Scalar(config, "offload_params") ?? Scalar(config, "fsdp_offload_params"))?.AsBoolean() == true;
        return (property, strategy, reshard, offload);
    }
}
