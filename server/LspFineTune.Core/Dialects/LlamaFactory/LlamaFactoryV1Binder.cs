using LspFineTune.Core.Diagnostics;
using LspFineTune.Core.Dialects.DeepSpeed;
using LspFineTune.Core.Dialects.HuggingFace;
using LspFineTune.Core.Planning;
using LspFineTune.Core.Syntax;
using LspFineTune.Core.Text;
using static LspFineTune.Core.Planning.SyntaxReader;

namespace LspFineTune.Core.Dialects.LlamaFactory;

/// <summary>
/// Binds LLaMA-Factory's v1 layout (<c>USE_V1=1 llamafactory-cli sft cfg.yaml</c>; hiyouga/LLaMA-Factory@ff6d4d1
/// <c>src/llamafactory/v1/config/</c>) to the plan: <c>model</c>, <c>micro_batch_size</c> and <c>global_batch_size</c>
/// (accumulation is global / (data-parallel GPUs x micro), batching.py 184-195), <c>cutoff_len</c> 2048, bf16 and
/// activation checkpointing on by default, sdpa attention, torch AdamW, and the plugin blocks <c>peft_config</c>
/// (full fine-tuning without one), <c>quant_config</c>, <c>dist_config</c> (fsdp2 as its ZeRO equivalent, deepspeed
/// through its <c>config_file</c>) and <c>kernel_config</c>.
/// </summary>
public static class LlamaFactoryV1Binder
{
    public static TrainerBinding Bind(DocumentContext document, BindingOptions options)
    {
        var root = document.Tree.RootMapping!;
        var diagnostics = new List<Diagnostic>();
        var anchor = root.Find("model")?.Key.Range ?? TextRange.At(0, 0);
        var provenance = PlanProvenance.FromVocabulary(LlamaFactoryV1Vocabulary.Instance, key => Find(root, key), anchor);
        var peft = Section(root, "peft_config");
        DeepSpeedReference? deepSpeed = null;
        var usesFsdp = false;
        TrainerBinding Result(TrainingPlan? plan = null) => TrainerBinding.Of(document, options, provenance, diagnostics, plan, deepSpeed, usesFsdp, launch: null);
        // v1/plugins/model_plugins/peft.py 301 (merge_and_export_model): a peft_config with export_dir is an export.
        if (peft?.Find("export_dir") is not null || root.Find("train_dataset") is null)
        {
            var kind = peft?.Find("export_dir") is not null ? "an export config (`llamafactory-cli merge`)" : "not a training config (it names no `train_dataset`)";
            diagnostics.Add(new Diagnostic(DiagnosticCodes.NotModelled, DiagnosticSeverity.Information,
                $"This LLaMA-Factory v1 file is {kind}: it trains nothing, so there is no training step to estimate.", anchor));
            return Result();
        }

        var hardware = LlamaFactorySpellings.Hardware(document, options, provenance, diagnostics);
        var model = BindModel(root, document, options, provenance, diagnostics);

        var (sharding, dsKey) = BindDistributed(root, document, options, provenance, diagnostics, ref deepSpeed, ref usesFsdp);
        if (model is null || hardware is null)
            return Result();

        // training_args.py 61: bf16 defaults to true (fsdp2.py 187: bf16 parameters, fp32 reductions); off is fp32.
        var dtype = Bool(root, "bf16", true) ? WeightDtype.Bf16 : WeightDtype.Fp32;

        var (method, lora) = BindPeft(root, peft, model, diagnostics);
        var quantization = BindQuantization(root, diagnostics);

        var micro = Math.Max(1, Int(root, "micro_batch_size", 1));
        var cp = Math.Max(1, Int(root, "cp_size", 1));
        var dataParallel = NullableLong(root, "dp_size") is > 0 and var dp ? (int)dp : Math.Max(1, hardware.TotalGpus / cp);
        var accumulation = 1;
        if (NullableLong(root, "global_batch_size") is > 0 and var global)
        {
            if (global % (dataParallel * micro) == 0)
            {
                accumulation = (int)(global / (dataParallel * micro));
            }
            else
            {
                // v1/core/utils/batching.py 189-195.
                diagnostics.Add(Diagnostic.Error(DiagnosticCodes.FrameworkRefuses,
                    $"LLaMA-Factory refuses this: \"Global batch size must be divisible by DP size and micro batch size.\" `global_batch_size: {global}` is not a multiple of {dataParallel} data-parallel GPUs x `micro_batch_size: {micro}`. Use a multiple of {dataParallel * micro}, or state the GPUs with a `# lft: gpus_per_node=N` comment.",
                    root.Find("global_batch_size")!.Key.Range));
            }
        }

        var sequenceLength = Math.Max(1, Int(root, "cutoff_len", 2048));
        if (cp > 1 && root.Find("cp_size") is { } cpKey)
        {
            diagnostics.Add(LlamaFactorySpellings.NotModelled(cpKey, $"Context parallelism ({String(root, "cp_mode") ?? "ulysses"}) gives each GPU {Math.Ceiling(sequenceLength / (double)cp):N0} of the {sequenceLength:N0} tokens of each sequence; activations and logits are estimated for that shard, and the all-to-all buffers are not modelled."));
            sequenceLength = (int)Math.Ceiling(sequenceLength / (double)cp);
        }
        var strategy = String(root, "batching_strategy") ?? "normal";
        var attention = String(root, "flash_attn") is { } flashAttn ? TransformersSpellings.Attention(flashAttn).Kind : AttentionKind.Sdpa;
        var optimizer = OptimizerType.AdamW;
        if (Section(root, "optim_config") is { } optim && root.Find("optim_config") is { } optimKey)
        {
            var name = String(optim, "name") ?? "adamw";
            var (type, approximation) = TransformersSpellings.Optimizer(name);
            optimizer = type;
            if (name.Contains("muon", StringComparison.OrdinalIgnoreCase))
                diagnostics.Add(LlamaFactorySpellings.NotModelled(optimKey, "Muon keeps one momentum state per matrix parameter (AdamW for the rest); the estimate uses AdamW's two states (an over-estimate)."));
            else if (approximation is not null)
                diagnostics.Add(LlamaFactorySpellings.NotModelled(optimKey, approximation + "."));
        }
        var plan = new TrainingPlan
        {
            Model = model with { Dtype = dtype, Quantization = quantization },
            Hardware = hardware,
            Method = new MethodChoice { Type = method, Lora = lora },
            Optimizer = new OptimizerChoice
            {
                Type = TrainerDeepSpeed.Optimizer(deepSpeed, optimizer),
                LearningRate = Double(root, "learning_rate", 1e-4),
                // base_trainer.py 218: without lr_scheduler_config the rate is constant.
                Scheduler = Section(root, "lr_scheduler_config") is { } scheduler && String(scheduler, "name") is { } schedulerName
                    ? schedulerName.Contains("cosine", StringComparison.OrdinalIgnoreCase) ? LrScheduler.Cosine : schedulerName.Contains("linear", StringComparison.OrdinalIgnoreCase) ? LrScheduler.Linear : LrScheduler.Constant
                    : LrScheduler.Constant,
            },
            Training = new TrainingChoice
            {
                MicroBatchSize = micro,
                GradientAccumulationSteps = accumulation,
                SequenceLength = sequenceLength,
                Epochs = Double(root, "num_train_epochs", 3) is > 0 and var epochs ? epochs : 3,
                MaxSteps = NullableLong(root, "max_steps") is > 0 and var steps ? steps : null,
                GradientCheckpointing = Bool(root, "enable_activation_checkpointing", true),
                Attention = attention,
                Packing = strategy.Contains("padding_free", StringComparison.Ordinal),
                Seed = NullableLong(root, "seed") ?? 42,
            },
            DeepSpeed = sharding,
            Output = new OutputChoice { Dir = String(root, "output_dir") ?? "outputs" },
            // v1/trainers/dpo_trainer.py 100-162: `pref_loss` (sigmoid default, training_args.py 147) runs the DPO
            // trainer; only sigmoid has a reference, the adapter-disabled base with LoRA, else a deepcopy of the policy.
            Objective = root.Find("pref_loss") is null ? new ObjectiveChoice()
                : new ObjectiveChoice { Type = (String(root, "pref_loss") ?? "sigmoid") == "sigmoid" ? TrainingObjective.Dpo : TrainingObjective.Orpo, Loss = String(root, "pref_loss"), Beta = NullableDouble(root, "pref_beta") ?? 0.1 },
            // cp_size (v1/config/training_args.py 85-92; Ulysses by default): each GPU holds 1/cp of every sequence.
            Savers = TrainerSavers.LlamaFactoryV1(root) with { ContextParallelSize = Math.Min(cp, 1024) },
        };
        ParallelGroups.Check(root.Find("cp_size"), plan.Savers, hardware, diagnostics);
        if (deepSpeed is { Settings: { } settings } && dsKey is not null)
        {
            TrainerDeepSpeed.Check(deepSpeed, settings, new TrainerValues(micro, "micro_batch_size", accumulation, "global_batch_size", hardware.TotalGpus, dtype == WeightDtype.Bf16, false, "bf16")
            {
                MaxGradNorm = Double(root, "max_grad_norm", 1.0),
            }, optimizer, "optim_config", optimizer.ToConfigName(), root.Find("optim_config"), diagnostics);
        }
        // model_engine.py 188-207: the weights load with dtype="auto" (the checkpoint's 16-bit type); full tuning then
        // casts the whole model to fp32, LoRA leaves the base and PEFT keeps its adapters in fp32.
        plan = plan with { Model = plan.Model with { Regime = TrainerPrecision.Regime(dtype, dtype, upcastsTrainable: plan.Method.Type == FineTuneMethod.Full) } };
        AddNotModelled(root, peft, strategy, diagnostics);
        return Result(plan);
    }

    /// <summary>A key by its dotted path (<c>peft_config.r</c>).</summary>
    internal static PropertyNode? Find(MappingNode root, string path)
    {
        var segments = path.Split('.');
        var mapping = root;
        PropertyNode? property = null;
        foreach (var segment in segments)
        {
            if (mapping?.Find(segment) is not { } found)
                return null;
            property = found;
            mapping = found.Value as MappingNode;
        }
        return property;
    }

    private static ModelChoice? BindModel(MappingNode root, DocumentContext document, BindingOptions options, PlanProvenance provenance, List<Diagnostic> diagnostics)
    {
        var property = root.Find("model");
        if (property?.Value is not ScalarNode { IsNull: false, Value.Length: > 0 } scalar)
            return null;
        provenance.Set(PlanField.Model, new ValueSource(ValueOrigin.Document) { Property = property });
        return ModelResolver.Resolve(scalar, "model", document, options, diagnostics);
    }

    /// <summary>v1/plugins/model_plugins/peft.py 32-80: LoRA r 8, alpha 16, dropout 0.05, every linear layer; freeze
    /// trains the last layers; no peft_config is full fine-tuning (model_engine.py 204-207, fp32 trainable weights).</summary>
    private static (FineTuneMethod Method, LoraSettings Lora) BindPeft(MappingNode root, MappingNode? peft, ModelChoice model, List<Diagnostic> diagnostics)
    {
        var name = String(peft, "name");
        var rank = Math.Max(1, Int(peft, "r", 8));
        var lora = new LoraSettings { Rank = rank, Alpha = Double(peft, "lora_alpha", 16), Dropout = Math.Clamp(Double(peft, "lora_dropout", 0.05), 0, 0.999) };
        if (name != "lora")
        {
            if (name == "freeze" && root.Find("peft_config") is { } key)
                diagnostics.Add(LlamaFactorySpellings.NotModelled(key, $"Freeze tuning trains only the last {Math.Max(1, Int(peft, "freeze_trainable_layers", 2))} layers; the estimate trains every layer (gradients and optimizer states are an over-estimate)."));
            return (FineTuneMethod.Full, lora with { AllLinear = true });
        }
        // The peft_config dict goes to LoraConfig as it is: modules_to_save and use_dora are PEFT's own.
        lora = lora with { ModulesToSave = HuggingFace.PeftTargets.ModuleNames(peft?.Find("modules_to_save")?.Value), UseDora = Bool(peft, "use_dora", false) };
        return (FineTuneMethod.Lora, LlamaFactorySpellings.Targets(peft?.Find("target_modules")?.Value, lora, model, "target_modules", diagnostics));
    }

    /// <summary>v1/plugins/model_plugins/quantization.py 38-90: bnb (or auto) at 4 bits (the default) is NF4, 8 bits LLM.int8().</summary>
    private static Quantization BindQuantization(MappingNode root, List<Diagnostic> diagnostics)
    {
        if (Section(root, "quant_config") is not { } quant)
            return Quantization.None;
        var (kind, approximation) = LlamaFactorySpellings.Quantization(NullableLong(quant, "quantization_bit") ?? 4, String(quant, "name") is "auto" ? null : String(quant, "name"));
        if (approximation is not null)
            diagnostics.Add(LlamaFactorySpellings.NotModelled(root.Find("quant_config")!, approximation + "."));
        return kind;
    }

    /// <summary><c>dist_config</c> (v1/plugins/trainer_plugins/distributed/): fsdp2 shards like ZeRO-3 unless
    /// <c>reshard_after_forward: false</c> (ZeRO-2), <c>offload_params</c> moves parameters and states to CPU;
    /// fsdpturbo is FSDP with expert parallelism; deepspeed reads <c>config_file</c>. None: plain data parallelism.</summary>
    private static (DeepSpeedChoice Choice, PropertyNode? Key) BindDistributed(MappingNode root, DocumentContext document, BindingOptions options, PlanProvenance provenance, List<Diagnostic> diagnostics, ref DeepSpeedReference? deepSpeed, ref bool usesFsdp)
    {
        if (root.Find("dist_config") is not { Value: MappingNode dist } property)
            return (new DeepSpeedChoice(), null);
        var name = String(dist, "name") ?? "";
        if (name == "deepspeed")
        {
            if (dist.Find("config_file") is not { Value: ScalarNode { IsNull: false } } file)
            {
                // v1/plugins/trainer_plugins/distributed/deepspeed.py 58-60.
                diagnostics.Add(Diagnostic.Error(DiagnosticCodes.FrameworkRefuses, "LLaMA-Factory refuses this: \"DeepSpeed config_file is required in dist_config\" Add `config_file: examples/deepspeed/ds_z3_config.json` (or another DeepSpeed JSON).", property.Key.Range));
                return (new DeepSpeedChoice(), null);
            }
            deepSpeed = DeepSpeedReference.Resolve(file, document, options, diagnostics);
            if (deepSpeed?.Settings is { } settings)
            {
                // Provenance leads through `dist_config` (the top-level key a user edits), into the JSON.
                var choice = TrainerDeepSpeed.Sharding(deepSpeed, settings, provenance);
                return (choice, file);
            }
            return (new DeepSpeedChoice(), file);
        }
        if (name is "fsdp2" or "fsdpturbo" or "fsdp")
        {
            usesFsdp = true;
            var offload = Bool(dist, "offload_params", false);
            var reshard = Scalar(dist, "reshard_after_forward")?.AsBoolean();
            var (choice, note) = FsdpSharding.Equivalent(null, reshard, offload);
            foreach (var field in new[] { PlanField.ZeroStage, PlanField.OffloadParams, PlanField.OffloadOptimizer })
                provenance.Set(field, new ValueSource(ValueOrigin.Document) { Property = property });
            // ep_size: the fsdp plugins split the experts over that many GPUs (v1/plugins/trainer_plugins/distributed/).
            if (NullableLong(dist, "ep_size") is > 1 and var ep)
                choice = choice with { ExpertParallelSize = (int)Math.Min(ep, int.MaxValue) };
            diagnostics.Add(LlamaFactorySpellings.NotModelled(property, note));
            return (choice, null);
        }
        return (new DeepSpeedChoice(), null);
    }

    private static void AddNotModelled(MappingNode root, MappingNode? peft, string strategy, List<Diagnostic> diagnostics)
    {
        if (strategy.Contains("dynamic", StringComparison.Ordinal) && root.Find("batching_strategy") is { } batching)
            diagnostics.Add(LlamaFactorySpellings.NotModelled(batching, $"`batching_strategy: {strategy}` fills each micro-batch up to a token budget; the estimate uses micro_batch_size sequences of cutoff_len tokens."));
    }
}
