using LspFineTune.Core.Diagnostics;
using LspFineTune.Core.Dialects.Accelerate;
using LspFineTune.Core.Dialects.HuggingFace;
using LspFineTune.Core.Planning;
using LspFineTune.Core.Syntax;
using LspFineTune.Core.Text;
using static LspFineTune.Core.Planning.SyntaxReader;

namespace LspFineTune.Core.Dialects.Trl;

/// <summary>
/// Binds a TRL / Hugging Face Trainer config (huggingface/trl@f2cd577: <c>_BaseConfig(TrainingArguments)</c>, the
/// trainer configs, <c>ModelConfig</c>) to the plan: TrainingArguments through <see cref="TrainingArgumentsReader"/>
/// with TRL's defaults, the model and PEFT keys of <c>trl/trainer/model_config.py</c>, the trainer's sequence length,
/// and the accelerate keys the <c>trl</c> CLI forwards to <c>accelerate launch</c> (GPU count, bundled presets).
/// </summary>
public static class TrlBinder
{
    /// <summary>The defaults each trainer's config sets over TrainingArguments (<c>base_config.py</c> 53-105: gradient
    /// checkpointing on, bf16 unless fp16; learning rates: <c>sft_config.py</c> 143, <c>dpo_config.py</c> 150,
    /// <c>grpo_config.py</c> 418, <c>kto_config.py</c> 115, <c>reward_config.py</c> 97, <c>rloo_config.py</c> 250,
    /// <c>experimental/orpo/orpo_config.py</c> 75).</summary>
    public static TrainingArgumentsDefaults Defaults(TrlTrainer trainer) => new()
    {
        GradientCheckpointing = true,
        Bf16UnlessFp16 = true,
        LearningRate = trainer switch
        {
            TrlTrainer.Sft => 2e-5,
            TrlTrainer.Reward => 1e-4,
            _ => 1e-6,
        },
    };

    /// <summary>transformers v5 loads in the checkpoint's dtype by default, but TRL's <c>ModelConfig.dtype</c> defaults to
    /// float32 (<c>model_config.py</c> 89-94), which the <c>trl</c> scripts pass to <c>from_pretrained</c>.</summary>
    private const string DefaultLoadDtype = "float32";

    /// <summary>GRPO/RLOO prompts are not truncated in the current configs; older ones cut them at max_prompt_length (512).</summary>
    private const int AssumedPromptLength = 512;

    public static TrlBinding Bind(DocumentContext document, BindingOptions options)
    {
        var root = document.Tree.RootMapping!;
        var diagnostics = new List<Diagnostic>();
        var modelKey = root.Find("model_name_or_path");
        var anchor = modelKey?.Key.Range ?? TextRange.At(0, 0);
        var provenance = PlanProvenance.FromVocabulary(TrlVocabulary.Instance, root.Find, anchor);
        void From(PlanField field, string key)
        {
            if (root.Find(key) is { } property)
                provenance.Set(field, new ValueSource(ValueOrigin.Document) { Property = property });
        }

        var trainer = TrlTrainers.Infer(document);
        if (document.Modeline.Recipe is null)
        {
            diagnostics.Add(new Diagnostic(DiagnosticCodes.TrainerInferred, DiagnosticSeverity.Information,
                $"Read as a `trl {trainer.Command}` config: {trainer.Reason}. The trainer is not in the file; if it is another one, say so with `# lft: recipe=NAME` (sft, dpo, grpo, kto, orpo, reward, rloo).",
                anchor));
        }

        var (preset, launch) = Launcher(root, document, options, diagnostics);
        var hardware = HardwareResolver.Resolve(document, options, OwnHardware(root, preset, launch), provenance, diagnostics);
        var model = ModelResolver.Bind(modelKey,
            "No model: TRL needs `model_name_or_path` (a Hugging Face id such as Qwen/Qwen2.5-0.5B, or a local folder with config.json).",
            document, options, provenance, diagnostics);
        var values = TrainingArgumentsReader.Read(root, document, options, Defaults(trainer.Trainer), provenance, diagnostics);
        var usesFsdp = values.UsesFsdp;
        var sharding = values.Sharding;
        if (values.DeepSpeed is null && !usesFsdp && preset is not null && root.Find("accelerate_config") is { } presetKey)
        {
            var (choice, note) = preset.Sharding();
            sharding = choice;
            usesFsdp = preset.UsesFsdp;
            foreach (var field in new[] { PlanField.ZeroStage, PlanField.OffloadOptimizer, PlanField.OffloadParams })
                provenance.Set(field, new ValueSource(ValueOrigin.LaunchFile) { Property = presetKey, Detail = preset.Detail });
            if (note is not null)
                diagnostics.Add(NotModelled(presetKey, note));
        }
        TrlRules.Add(root, trainer.Trainer, diagnostics);

        TrlBinding Result(TrainingPlan? plan) => new()
        {
            Document = document,
            Plan = plan,
            Provenance = provenance,
            Diagnostics = diagnostics,
            Trainer = trainer,
            DeepSpeed = values.DeepSpeed,
            AcceleratePreset = preset,
            UsesFsdp = usesFsdp,
            Launch = launch,
            WorkspaceFolder = options.WorkspaceFolder,
            Companions = TrainerBinding.CompanionsOf(values.DeepSpeed, launch),
        };
        if (model is null || hardware is null)
            return Result(null);

        // Mixed precision is the plan's dtype (as axolotl's bf16); the load dtype only decides what is noted.
        var loadKey = root.Find("dtype") ?? root.Find("torch_dtype");
        var load = (String(root, loadKey?.Key.Value ?? "dtype") ?? DefaultLoadDtype).ToLowerInvariant();
        var dtype = values.Bf16 ? WeightDtype.Bf16 : values.Fp16 ? WeightDtype.Fp16
            : load is "bfloat16" ? WeightDtype.Bf16 : load is "float16" ? WeightDtype.Fp16 : WeightDtype.Fp32;
        if (!values.Bf16 && !values.Fp16 && root.Find("bf16") is null && root.Find("fp16") is null && loadKey is not null)
            provenance.Set(PlanField.Dtype, new ValueSource(ValueOrigin.Document) { Property = loadKey });

        // PEFT and quantization (model_config.py 97-168; trl/trainer/utils.py get_peft_config, get_quantization_config).
        var peft = Bool(root, "use_peft", false);
        var quantization = !peft ? Quantization.None
            : Bool(root, "load_in_4bit", false) ? Quantization.Nf4
            : Bool(root, "load_in_8bit", false) ? Quantization.Int8
            : Quantization.None;
        From(PlanField.Method, "use_peft");
        From(PlanField.Quantization, root.Find("load_in_4bit") is not null ? "load_in_4bit" : "load_in_8bit");
        var lora = BindLora(root, model, diagnostics);
        From(PlanField.LoraRank, "lora_r");
        From(PlanField.LoraAlpha, "lora_alpha");
        From(PlanField.LoraDropout, "lora_dropout");
        From(PlanField.LoraTargets, "lora_target_modules");

        var attention = AttentionKind.Sdpa;
        if (root.Find("attn_implementation") is { Value: ScalarNode { IsNull: false } attentionValue } attentionKey)
        {
            var (kind, approximation) = TransformersSpellings.Attention(attentionValue.Value);
            attention = kind;
            if (approximation is not null)
                diagnostics.Add(NotModelled(attentionKey, approximation + "."));
            From(PlanField.Attention, "attn_implementation");
        }
        var packing = Bool(root, "packing", false) || Bool(root, "padding_free", false);
        From(PlanField.Packing, root.Find("packing") is not null ? "packing" : "padding_free");

        var sequenceLength = SequenceLength(root, trainer.Trainer, From, diagnostics);
        var plan = new TrainingPlan
        {
            Model = model with { Dtype = dtype, Quantization = quantization },
            Hardware = hardware,
            Method = new MethodChoice { Type = peft ? FineTuneMethod.Lora : FineTuneMethod.Full, Lora = lora },
            Optimizer = values.ToOptimizerChoice(),
            Training = new TrainingChoice
            {
                MicroBatchSize = values.MicroBatch,
                GradientAccumulationSteps = values.GradientAccumulation,
                SequenceLength = sequenceLength,
                Epochs = values.Epochs,
                MaxSteps = values.MaxSteps,
                GradientCheckpointing = values.GradientCheckpointing,
                Attention = attention,
                Packing = packing,
                Seed = values.Seed,
            },
            DeepSpeed = sharding,
            Output = new OutputChoice { Dir = values.OutputDir ?? "trainer_output" },
            Objective = TrlObjective.Bind(root, trainer.Trainer, values.MicroBatch, values.GradientAccumulation, hardware.TotalGpus, sequenceLength),
            Savers = TrainerSavers.Trl(root, trainer.Trainer == TrlTrainer.Sft),
        };
        // The config's own `deepspeed`/`fsdp` replace the launch file's plugin; the Trainer sets the mixed precision from
        // bf16/fp16 (TRL's bf16 is on unless fp16), so only a run left in fp32 takes the launch file's `mixed_precision`.
        plan = AccelerateLaunch.Apply(launch, plan, provenance, new LaunchOwnership(Sharding: values.DeepSpeed is not null || values.UsesFsdp, Precision: dtype != WeightDtype.Fp32), diagnostics);
        // The weights stay in the dtype they load in (model_config.py 89-94: float32 unless `dtype` says otherwise; "auto"
        // takes the checkpoint's, bf16 for the catalog's models) unless DeepSpeed or FSDP changes them (TrainerPrecision).
        var loadDtype = load switch { "bfloat16" or "auto" => WeightDtype.Bf16, "float16" => WeightDtype.Fp16, _ => WeightDtype.Fp32 };
        plan = plan with { Model = plan.Model with { Regime = TrainerPrecision.Regime(plan.Model.Dtype, loadDtype) } };
        TrainingArgumentsReader.CheckDeepSpeed(root, values, hardware.TotalGpus, diagnostics);
        TrlRules.AddGenerationBatch(root, trainer.Trainer, values.MicroBatch, values.GradientAccumulation, hardware.TotalGpus, diagnostics);
        if (peft)
        {
            var names = PeftTargets.LayerNames(plan.Model.Structure);
            foreach (var (unmatched, range) in PeftTargets.Locate(Estimation.LoraTargets.Unmatched(plan.Model.Structure, lora), root.Find("lora_target_modules")?.Value, root.Find("use_peft")?.Key.Range ?? TextRange.At(0, 0)))
            {
                diagnostics.Add(Diagnostic.Warning(DiagnosticCodes.UnknownLoraTarget,
                    $"`{unmatched}` in `lora_target_modules` is no linear layer of {plan.Model.Id}, so PEFT adapts nothing there. Its layers: {names}; or write `lora_target_modules: all-linear`.",
                    range));
            }
        }
        TrlRules.AddNotModelled(root, trainer.Trainer, plan, diagnostics);
        plan = LocalDatasets.WithStatistics(plan with { Data = TrlDatasets.Bind(root, plan.Data, trainer.Trainer, document.Path, options.Files) }, options.Files);
        plan = DatasetLengths.WithKnownLengths(plan, DatasetLengths.CommaList(String(root, "dataset_name")));
        return Result(plan);
    }

    /// <summary>
    /// The GPUs the forwarded accelerate keys give: <c>num_processes</c> is the total over all machines and
    /// <c>num_machines</c> the nodes (accelerate@16cb6eb <c>commands/launch.py</c> 1363: processes per node =
    /// num_processes / num_machines); they become <c>accelerate launch</c> flags, which beat the launch file's values,
    /// else the preset's or the launch file's own. <c>distributed_type: "NO"</c> runs one process whatever they say.
    /// </summary>
    private static OwnHardware OwnHardware(MappingNode root, TrlAcceleratePreset? preset, LaunchFacts? launch)
    {
        var processesKey = root.Find("num_processes");
        var machinesKey = root.Find("num_machines");
        var machines = (int)Math.Max(1, NullableLong(root, "num_machines") ?? preset?.Machines ?? launch?.Settings.NumMachines ?? 1);
        if (preset is { SingleProcess: true })
            return new OwnHardware(null, 1, 1, ValueOrigin.LaunchFile) { GpusPerNodeProperty = root.Find("accelerate_config"), NodesProperty = root.Find("accelerate_config"), Detail = preset.Detail };
        if (launch is { Settings.DistributedType: "NO" })
            return launch.Hardware;
        if (NullableLong(root, "num_processes") is > 0 and var processes)
        {
            return new OwnHardware(null, (int)Math.Max(1, processes / machines), machines, ValueOrigin.Document)
            {
                GpusPerNodeProperty = processesKey,
                NodesProperty = machinesKey ?? processesKey,
            };
        }
        if (preset is not null)
        {
            var presetKey = root.Find("accelerate_config");
            return new OwnHardware(null, Math.Max(1, preset.Processes / machines), machines, ValueOrigin.LaunchFile)
            {
                GpusPerNodeProperty = presetKey,
                NodesProperty = machinesKey ?? presetKey,
                Detail = preset.Detail,
            };
        }
        if (launch is null)
            return Dialects.OwnHardware.None;
        // The launch file's processes over the forwarded machine count: the count is the file's, the nodes the config's
        // (reported where the file is named).
        return machinesKey is not null && launch.Hardware is { GpusPerNode: not null } own && launch.Settings.NumProcesses is { } total
            ? own with { GpusPerNode = Math.Max(1, total / machines), Nodes = machines, NodesProperty = null }
            : launch.Hardware;
    }

    /// <summary>
    /// The launch file of the run. <c>accelerate_config</c> as <c>trl/cli/accelerate_config.py</c> 32-45 resolves it: a
    /// file first (read as the launch file, <see cref="AccelerateLaunch.Named"/>), else a preset of
    /// <c>trl/accelerate_configs/</c>, else TRL refuses it. Without the key, the file any trainer is launched with
    /// (<see cref="AccelerateLaunch.Find"/>: the modeline's <c>accelerate=</c>, the setting, accelerate's default).
    /// </summary>
    private static (TrlAcceleratePreset? Preset, LaunchFacts? Launch) Launcher(MappingNode root, DocumentContext document, BindingOptions options, List<Diagnostic> diagnostics)
    {
        if (root.Find("accelerate_config") is not { Value: ScalarNode { IsNull: false, Value.Length: > 0 } value } key)
            return (null, AccelerateLaunch.Find(document, options, diagnostics));
        var name = value.Value.Trim();
        if (AccelerateLaunch.IsFile(name, document, options))
            return (null, AccelerateLaunch.Named(name, key, document, options, diagnostics));
        if (TrlAcceleratePresets.Find(name) is { } preset)
            return (preset, null);
        diagnostics.Add(Diagnostic.Error(DiagnosticCodes.FrameworkRefuses,
            $"TRL refuses `accelerate_config: {name}`: it is neither a file nor one of its presets ({string.Join(", ", TrlAcceleratePresets.All.Select(p => p.Name))}).",
            value.Range));
        return (null, null);
    }

    /// <summary>The tokens of one training sequence: <c>max_length</c> (SFT <c>sft_config.py</c> 205, DPO
    /// <c>dpo_config.py</c> 188, KTO, reward, ORPO: 1024; the old SFT spelling <c>max_seq_length</c>), or for GRPO and
    /// RLOO the prompt plus <c>max_completion_length</c> (<c>grpo_config.py</c> 488: 512).</summary>
    private static int SequenceLength(MappingNode root, TrlTrainer trainer, Action<PlanField, string> from, List<Diagnostic> diagnostics)
    {
        if (trainer is TrlTrainer.Grpo or TrlTrainer.Rloo)
        {
            var completion = Scalar(root, "max_completion_length")?.AsInteger() is > 0 and var c ? (int)c : 512;
            from(PlanField.SequenceLength, "max_completion_length");
            if (NullableLong(root, "max_prompt_length") is > 0 and var prompt)
                return (int)prompt + completion;
            if (root.Find("max_completion_length") is { } completionKey)
                diagnostics.Add(NotModelled(completionKey, $"Each sequence is estimated as a {AssumedPromptLength}-token prompt plus {completion} completion tokens; the current {TrlTrainers.Name(trainer).ToUpperInvariant()}Config does not truncate prompts, so long prompts need more."));
            return AssumedPromptLength + completion;
        }
        var key = root.Find("max_length") is not null ? "max_length" : "max_seq_length";
        from(PlanField.SequenceLength, key);
        if (root.Find(key) is { Value: ScalarNode { IsNull: true } } unbounded)
            diagnostics.Add(NotModelled(unbounded, $"`{key}: null` does not truncate, so the longest example sets the memory; the estimate uses 1,024 tokens."));
        return Scalar(root, key)?.AsInteger() is > 0 and var length ? (int)length : 1024;
    }

    private static LoraSettings BindLora(MappingNode root, ModelChoice model, List<Diagnostic> diagnostics)
    {
        var rank = Math.Max(1, Int(root, "lora_r", 16));
        var targets = root.Find("lora_target_modules")?.Value;
        // ModelConfig.__post_init__ (model_config.py 176) turns a one-item list into a string, which PEFT reads as a pattern.
        if (targets is SequenceNode { Items: [ScalarNode only] })
            targets = only;
        var allLinear = targets is ScalarNode { Value: PeftTargets.AllLinear };
        var modules = allLinear ? [] : PeftTargets.Named(targets, model.Structure, pattern =>
            diagnostics.Add(Diagnostic.Warning(DiagnosticCodes.UnknownLoraTarget,
                $"`lora_target_modules: {pattern.Value}` matches no linear layer of {model.Id}{PeftTargets.VisionTowerCaveat(model.Structure)}, so PEFT finds nothing to adapt.{PeftTargets.AllLinearHint(pattern.Value)} Its layers: {PeftTargets.LayerNames(model.Structure)}.",
                pattern.Range)));
        return new LoraSettings
        {
            Rank = rank,
            Alpha = Double(root, "lora_alpha", 32),
            Dropout = Math.Clamp(Double(root, "lora_dropout", 0.05), 0, 0.999),
            // Nothing named: PEFT's default for the architecture, q_proj and v_proj for Llama-style models.
            TargetModules = modules.Count > 0 ? modules : ["q_proj", "v_proj"],
            AllLinear = allLinear,
            // model_config.py 127-142; trl/trainer/utils.py get_peft_config 273-274 passes both to LoraConfig.
            ModulesToSave = PeftTargets.ModuleNames(root.Find("lora_modules_to_save")?.Value),
            UseDora = Bool(root, "use_dora", false),
        };
    }

    internal static Diagnostic NotModelled(PropertyNode property, string message) =>
        new(DiagnosticCodes.NotModelled, DiagnosticSeverity.Information, message, property.Key.Range);
}
