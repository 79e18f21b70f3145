using LspFineTune.Core.Diagnostics;
using LspFineTune.Core.Dialects.Accelerate;
using LspFineTune.Core.Dialects.DeepSpeed;
using LspFineTune.Core.Dialects.HuggingFace;
using LspFineTune.Core.Planning;
using LspFineTune.Core.Syntax;
using LspFineTune.Core.Text;
using static LspFineTune.Core.Planning.SyntaxReader;

namespace LspFineTune.Core.Dialects.Axolotl;

/// <summary>
/// Binds an axolotl config (axolotl-ai-cloud/axolotl@067b021, <c>AxolotlInputConfig</c>) to the plan: the memory and
/// runtime keys of shared/notes/dialects.md 1c, with axolotl's own defaults and "auto" rules, the DeepSpeed config it
/// names, and provenance for each value. What the estimate does not model is said on its key (LFT0210).
/// </summary>
public static class AxolotlBinder
{
    public static TrainerBinding Bind(DocumentContext document, BindingOptions options)
    {
        var tree = document.Tree;
        var root = tree.RootMapping!;
        var diagnostics = new List<Diagnostic>();
        var anchor = root.Find("base_model")?.Key.Range ?? TextRange.At(0, 0);
        // Each field comes from its key in axolotl's vocabulary when written; the few that another key can set instead
        // (fp16 for the precision, batch_size for the accumulation, legacy attention flags) are overridden below.
        var provenance = PlanProvenance.FromVocabulary(AxolotlVocabulary.Instance, root.Find, anchor);
        void From(PlanField field, string key)
        {
            if (root.Find(key) is { } property)
                provenance.Set(field, new ValueSource(ValueOrigin.Document) { Property = property });
        }

        // `axolotl train` runs `accelerate launch` (cli/main.py 37): the accelerate config gives the GPUs it starts.
        var launch = AccelerateLaunch.Find(document, options, diagnostics);
        var hardware = HardwareResolver.Resolve(document, options, launch?.Hardware ?? OwnHardware.None, provenance, diagnostics);
        var model = ModelResolver.Bind(root.Find("base_model"),
            "No model: axolotl needs `base_model` (a Hugging Face id such as meta-llama/Llama-3.2-1B, or a local folder with config.json).",
            document, options, provenance, diagnostics, String(root, "base_model_config") is { } configId ? [configId] : []);
        var deepSpeed = root.Find("deepspeed") is { } dsKey ? DeepSpeedReference.Resolve(dsKey, document, options, diagnostics) : null;
        var usesFsdp = root.Find("fsdp_config")?.Value is MappingNode || root.Find("fsdp")?.Value is SequenceNode { Items.Count: > 0 };
        AxolotlRules.Add(root, diagnostics);
        TrainerBinding Result(TrainingPlan? plan) => TrainerBinding.Of(document, options, provenance, diagnostics, plan, deepSpeed, usesFsdp, launch);
        if (model is null || hardware is null)
            return Result(null);

        // Precision (utils/config/__init__.py 156-170): bf16 defaults to "auto", which is bf16 where the GPU has it,
        // else fp16 unless fp16 is false. bfloat16/float16 load the weights in half precision without AMP.
        var bf16 = Scalar(root, "bf16");
        var fp16 = Bool(root, "fp16", false);
        var fp16Set = root.Find("fp16") is not null;
        var bf16Auto = bf16 is null || bf16.IsNull || string.Equals(bf16.Value, "auto", StringComparison.OrdinalIgnoreCase);
        WeightDtype dtype;
        if (bf16?.AsBoolean() == true || Bool(root, "bfloat16", false))
            dtype = WeightDtype.Bf16;
        else if (fp16 || Bool(root, "float16", false))
            dtype = WeightDtype.Fp16;
        else if (bf16Auto && hardware.Gpu.NativeBf16)
            dtype = WeightDtype.Bf16;
        else if (bf16Auto && !(fp16Set && !fp16) && !hardware.Gpu.IsCpu)
            dtype = WeightDtype.Fp16;
        else
            dtype = WeightDtype.Fp32;
        if (fp16)
            From(PlanField.Dtype, "fp16");
        var dtypeKey = fp16 ? "fp16" : "bf16";

        // Adapters and quantization (peft.py 31-92, 179-223).
        var adapter = String(root, "adapter")?.ToLowerInvariant();
        var quantization = Bool(root, "load_in_4bit", false) || adapter == "qlora" ? Quantization.Nf4
            : Bool(root, "load_in_8bit", false) ? Quantization.Int8
            : Bool(root, "gptq", false) ? Quantization.Nf4
            : Quantization.None;
        From(PlanField.Quantization, root.Find("load_in_4bit") is not null ? "load_in_4bit" : root.Find("load_in_8bit") is not null ? "load_in_8bit" : "adapter");
        var method = adapter is null ? FineTuneMethod.Full : FineTuneMethod.Lora;
        var lora = BindLora(root, model, adapter is null, diagnostics, From);

        // Batch (training.py 71-96): batch_size is micro x accumulation per device; accumulation is derived from it.
        var micro = Math.Max(1, Int(root, "micro_batch_size", 1));
        var accumulation = Math.Max(1, Int(root, "gradient_accumulation_steps", 1));
        if (root.Find("gradient_accumulation_steps") is null && NullableLong(root, "batch_size") is > 0 and var batch)
        {
            accumulation = (int)Math.Max(1, batch / micro);
            From(PlanField.GradientAccumulationSteps, "batch_size");
        }

        var (attention, attentionKey) = BindAttention(root, diagnostics);
        if (attentionKey is not null)
            From(PlanField.Attention, attentionKey);
        var optimizerName = String(root, "optimizer") ?? "adamw_torch_fused";
        var (optimizer, approximation) = TransformersSpellings.Optimizer(optimizerName);
        if (approximation is not null && root.Find("optimizer") is { } optimizerProperty)
            diagnostics.Add(NotModelled(optimizerProperty, approximation + "."));

        var checkpointing = Scalar(root, "gradient_checkpointing") is { } gc && (gc.AsBoolean() == true || gc.Value is "offload" or "offload_disk");

        var sharding = BindSharding(root, deepSpeed, usesFsdp, provenance, diagnostics);
        var sequenceLength = Math.Max(1, Int(root, "sequence_len", 512));
        var savers = AxolotlSavers.Bind(root, checkpointing, ContextParallelSize(root, hardware, diagnostics));
        ParallelGroups.Check(root.Find("tensor_parallel_size"), savers, hardware, diagnostics);
        var plan = new TrainingPlan
        {
            Model = model with { Dtype = dtype, Quantization = quantization },
            Hardware = hardware,
            Method = new MethodChoice { Type = method, Lora = lora },
            Optimizer = new OptimizerChoice
            {
                Type = TrainerDeepSpeed.Optimizer(deepSpeed, optimizer),
                Paged = deepSpeed?.Settings?.PlanOptimizer is null && OptimizerChoice.IsPaged(optimizerName),
                LearningRate = Double(root, "learning_rate", 2e-5),
                WeightDecay = Double(root, "weight_decay", 0),
                Scheduler = String(root, "lr_scheduler") is "constant" ? LrScheduler.Constant : String(root, "lr_scheduler") is "linear" ? LrScheduler.Linear : LrScheduler.Cosine,
                WarmupSteps = Math.Max(0, Int(root, "warmup_steps", 0)),
            },
            Training = new TrainingChoice
            {
                MicroBatchSize = micro,
                GradientAccumulationSteps = accumulation,
                SequenceLength = sequenceLength,
                Epochs = Double(root, "num_epochs", 1) is var epochs && epochs > 0 ? epochs : 1,
                MaxSteps = NullableLong(root, "max_steps") is > 0 and var steps ? steps : null,
                GradientCheckpointing = checkpointing,
                Attention = attention,
                Packing = Bool(root, "sample_packing", false),
                // pad_to_sequence_len pads every batch to sequence_len (utils/schemas/config.py); otherwise the collator
                // pads to the longest example of the batch.
                PadToSequenceLength = Bool(root, "pad_to_sequence_len", false),
                Seed = NullableLong(root, "seed") ?? 42,
            },
            // The expert-parallel plugin splits each MoE block's experts over expert_parallel_size GPUs.
            DeepSpeed = NullableLong(root, "expert_parallel_size") is > 1 and var experts ? sharding with { ExpertParallelSize = (int)Math.Min(experts, int.MaxValue) } : sharding,
            Output = new OutputChoice { Dir = String(root, "output_dir") ?? "./outputs" },
            Objective = AxolotlObjective.Bind(root, micro, accumulation, hardware.TotalGpus, sequenceLength),
            Savers = savers,
        };
        // axolotl's own deepspeed/fsdp_config replace the launch file's plugin, and it always sets the mixed precision
        // (utils/trainer.py 661-691, prepare_optim_env).
        plan = AccelerateLaunch.Apply(launch, plan, provenance, new LaunchOwnership(Sharding: deepSpeed is not null || usesFsdp, Precision: true), diagnostics);
        // axolotl loads the weights in cfg.torch_dtype, the compute dtype (loaders/model.py 611-612), and trains them there
        // unless DeepSpeed or FSDP changes them; peft_autocast_adapter_dtype (loaders/adapter.py 368) keeps adapters 16-bit.
        plan = plan with
        {
            Model = plan.Model with
            {
                Regime = TrainerPrecision.Regime(plan.Model.Dtype, dtype, adaptersInFp32: Scalar(root, "peft_autocast_adapter_dtype")?.AsBoolean() ?? true),
            },
        };

        if (deepSpeed is { Settings: { } dsSettings })
        {
            TrainerDeepSpeed.Check(deepSpeed, dsSettings, new TrainerValues(micro, "micro_batch_size", accumulation, root.Find("batch_size") is not null && root.Find("gradient_accumulation_steps") is null ? "batch_size" : "gradient_accumulation_steps",
                hardware.TotalGpus, dtype == WeightDtype.Bf16, dtype == WeightDtype.Fp16, dtypeKey)
            {
                MaxGradNorm = Double(root, "max_grad_norm", 1.0),
            }, optimizer, "optimizer", optimizerName, root.Find("optimizer"), diagnostics);
        }
        if (method == FineTuneMethod.Lora)
        {
            var names = PeftTargets.LayerNames(plan.Model.Structure);
            foreach (var (unmatched, range) in PeftTargets.Locate(Estimation.LoraTargets.Unmatched(plan.Model.Structure, lora), root.Find("lora_target_modules")?.Value, root.Find("adapter")?.Key.Range ?? TextRange.At(0, 0)))
            {
                diagnostics.Add(Diagnostic.Warning(DiagnosticCodes.UnknownLoraTarget,
                    $"LoRA target `{unmatched}` matches no linear layer of {plan.Model.Id}{PeftTargets.VisionTowerCaveat(plan.Model.Structure)} ({plan.Model.Architecture.ModelType}); its layers are: {names}. Use one of them, or `lora_target_linear: true`.",
                    range));
            }
        }
        AxolotlRules.AddNotModelled(root, plan, diagnostics);
        plan = LocalDatasets.WithStatistics(plan with { Data = AxolotlDatasets.Bind(root, plan.Data, document.Path, options.Files) }, options.Files);
        plan = DatasetLengths.WithKnownLengths(plan, DatasetLengths.Values(root.Find("datasets")?.Value, "path"));
        return Result(plan);
    }

    private static LoraSettings BindLora(MappingNode root, ModelChoice model, bool noAdapter, List<Diagnostic> diagnostics, Action<PlanField, string> from)
    {
        if (root.Find("lora_target_modules") is null)
            from(PlanField.LoraTargets, "lora_target_linear");
        var rank = Math.Max(1, Int(root, "lora_r", 16));
        // Without an adapter these settings only matter to a "switch to LoRA" fix, which writes lora_target_linear.
        var allLinear = Bool(root, "lora_target_linear", noAdapter && root.Find("lora_target_modules") is null);
        // PEFT matches a string target_modules as a regular expression against each module's full name.
        var modules = PeftTargets.Named(root.Find("lora_target_modules")?.Value, model.Structure, pattern =>
            diagnostics.Add(Diagnostic.Warning(DiagnosticCodes.UnknownLoraTarget,
                $"The LoRA target pattern `{pattern.Value}` matches no linear layer of {model.Id}{PeftTargets.VisionTowerCaveat(model.Structure)}; PEFT then finds nothing to adapt.{PeftTargets.AllLinearHint(pattern.Value)} Its layers are: {PeftTargets.LayerNames(model.Structure)}.",
                pattern.Range)));
        // Nothing named: PEFT's default for the architecture, which for Llama-style models is q_proj and v_proj.
        if (modules.Count == 0 && !allLinear)
            modules = ["q_proj", "v_proj"];
        return new LoraSettings
        {
            Rank = rank,
            Alpha = Double(root, "lora_alpha", rank * 2),
            Dropout = Math.Clamp(Double(root, "lora_dropout", 0.0), 0, 0.999),
            TargetModules = modules.Count > 0 ? modules : ["q_proj", "v_proj"],
            AllLinear = allLinear,
            // loaders/adapter.py 196: lora_modules_to_save goes to LoraConfig; peft_use_dora is its use_dora (utils/schemas/peft.py).
            ModulesToSave = PeftTargets.ModuleNames(root.Find("lora_modules_to_save")?.Value),
            UseDora = Bool(root, "peft_use_dora", false),
        };
    }

    private static (AttentionKind Kind, string? Key) BindAttention(MappingNode root, List<Diagnostic> diagnostics)
    {
        if (root.Find("attn_implementation") is { Value: ScalarNode { IsNull: false } value } property)
        {
            var (kind, approximation) = TransformersSpellings.Attention(value.Value);
            if (approximation is not null)
                diagnostics.Add(NotModelled(property, approximation + "."));
            return (kind, "attn_implementation");
        }
        foreach (var (key, kind) in AxolotlSpellings.LegacyAttentionFlags)
        {
            if (Bool(root, key, false))
                return (kind, key);
        }
        // transformers picks sdpa when nothing is set and torch has it.
        return (AttentionKind.Sdpa, null);
    }

    /// <summary>ZeRO from the DeepSpeed config; FSDP's full shard partitions like ZeRO-3 (and SHARD_GRAD_OP like ZeRO-2).</summary>
    private static DeepSpeedChoice BindSharding(MappingNode root, DeepSpeedReference? deepSpeed, bool usesFsdp, PlanProvenance provenance, List<Diagnostic> diagnostics)
    {
        if (deepSpeed?.Settings is { } settings)
            return TrainerDeepSpeed.Sharding(deepSpeed, settings, provenance);
        if (!usesFsdp)
            return new DeepSpeedChoice();
        var fsdpProperty = root.Find("fsdp_config") ?? root.Find("fsdp")!;
        var fsdp = fsdpProperty.Value as MappingNode;
        var strategy = String(fsdp, "sharding_strategy") ?? String(fsdp, "fsdp_sharding_strategy");
        var reshard = Scalar(fsdp, "reshard_after_forward")?.AsBoolean() ?? Scalar(fsdp, "fsdp_reshard_after_forward")?.AsBoolean();
        var offload = (Scalar(fsdp, "offload_params") ?? Scalar(fsdp, "fsdp_offload_params"))?.AsBoolean() == true
            || (root.Find("fsdp")?.Value is SequenceNode list && list.Items.OfType<ScalarNode>().Any(i => i.Value == "offload"));
        foreach (var field in new[] { PlanField.ZeroStage, PlanField.OffloadParams, PlanField.OffloadOptimizer })
            provenance.Set(field, new ValueSource(ValueOrigin.Document) { Property = fsdpProperty });
        var (choice, note) = FsdpSharding.Equivalent(strategy, reshard, offload);
        diagnostics.Add(NotModelled(fsdpProperty, note));
        return choice;
    }

    /// <summary>
    /// Context parallelism (ring attention / Ulysses, config.py 1091) gives each GPU 1/cp of every sequence; ZeRO still
    /// shards over all GPUs and the data-parallel degree is GPUs/cp. The GPUs must be a multiple of cp (axolotl builds a
    /// cp x dp mesh): otherwise the run is refused and the estimate takes no context parallelism.
    /// </summary>
    private static int ContextParallelSize(MappingNode root, HardwareChoice hardware, List<Diagnostic> diagnostics)
    {
        var property = root.Find("context_parallel_size") ?? root.Find("sequence_parallel_degree");
        if (property?.Value is not ScalarNode value || value.AsInteger() is not { } cp || cp <= 1)
            return 1;
        if (hardware.TotalGpus % cp != 0)
        {
            diagnostics.Add(Diagnostic.Error(DiagnosticCodes.FrameworkRefuses,
                $"`{property.Key.Value}: {cp}` splits each sequence over {cp} GPUs, so the run needs a multiple of {cp} GPUs; this estimate is for {hardware.TotalGpus}. State the GPUs with a `# lft: gpu=... gpus_per_node={cp}` comment (or --gpus-per-node).",
                property.Key.Range));
            return 1;
        }
        return (int)Math.Min(cp, 1024);
    }

    internal static Diagnostic NotModelled(PropertyNode property, string message) =>
        new(DiagnosticCodes.NotModelled, DiagnosticSeverity.Information, message, property.Key.Range);
}
