using LspFineTune.Core.Diagnostics;
using LspFineTune.Core.Dialects.Accelerate;
using LspFineTune.Core.Dialects.HuggingFace;
using LspFineTune.Core.Planning;
using LspFineTune.Core.Syntax;
using LspFineTune.Core.Text;
using static LspFineTune.Core.Planning.SyntaxReader;

namespace LspFineTune.Core.Dialects.LlamaFactory;

/// <summary>
/// Binds a classic LLaMA-Factory config (hiyouga/LLaMA-Factory@ff6d4d1, <c>src/llamafactory/hparams/</c>: its own
/// argument dataclasses plus transformers' <c>Seq2SeqTrainingArguments</c>, read by <see cref="TrainingArgumentsReader"/>)
/// to the plan with LLaMA-Factory's own defaults: LoRA unless <c>finetuning_type</c> says otherwise (rank 8, alpha
/// 2 x rank, every linear layer), gradient checkpointing on unless <c>disable_gradient_checkpointing</c>,
/// <c>cutoff_len</c> 2048, packing for <c>stage: pt</c>. Its refusals are <see cref="LlamaFactoryRules"/>.
/// </summary>
public static class LlamaFactoryBinder
{
    /// <summary>Keys only a training run reads: a config with none of them and no <c>do_train</c> is an inference or
    /// export config (<c>llamafactory-cli chat</c>/<c>export</c>).</summary>
    private static readonly string[] TrainingKeys =
        ["stage", "finetuning_type", "per_device_train_batch_size", "gradient_accumulation_steps", "num_train_epochs", "max_steps", "learning_rate", "deepspeed", "lora_rank", "lora_target", "dataset"];

    public static TrainerBinding Bind(DocumentContext document, BindingOptions options)
    {
        var root = document.Tree.RootMapping!;
        var diagnostics = new List<Diagnostic>();
        var anchor = root.Find("model_name_or_path")?.Key.Range ?? TextRange.At(0, 0);
        var provenance = PlanProvenance.FromVocabulary(LlamaFactoryVocabulary.Instance, root.Find, anchor);
        void From(PlanField field, string key)
        {
            if (root.Find(key) is { } property)
                provenance.Set(field, new ValueSource(ValueOrigin.Document) { Property = property });
        }
        LaunchFacts? launch = null;
        TrainerBinding Result(TrainingPlan? plan = null, TrainingArgumentsValues? values = null) =>
            TrainerBinding.Of(document, options, provenance, diagnostics, plan, values?.DeepSpeed, values?.UsesFsdp == true, launch);

        // sft/workflow.py 120 (and every stage's workflow): only `do_train: true` trains.
        var trains = Bool(root, "do_train", false);
        var evaluates = Bool(root, "do_predict", false) || Bool(root, "do_eval", false);
        var trainingKey = TrainingKeys.Select(root.Find).FirstOrDefault(p => p is not null);
        if (!trains && (evaluates || trainingKey is null))
        {
            var kind = evaluates ? "an evaluation run (`do_predict`/`do_eval` without `do_train`)"
                : root.Find("export_dir") is not null ? "an export config (`llamafactory-cli export`)"
                : "an inference config (`llamafactory-cli chat`, `api` or `webui`)";
            diagnostics.Add(new Diagnostic(DiagnosticCodes.NotModelled, DiagnosticSeverity.Information,
                $"This LLaMA-Factory file is {kind}: it trains nothing, so there is no training step to estimate.", anchor));
            return Result();
        }
        if (!trains)
        {
            diagnostics.Add(Diagnostic.Warning(DiagnosticCodes.FrameworkWarns,
                "LLaMA-Factory trains only with `do_train: true` (train/sft/workflow.py 120); as written, `llamafactory-cli train` loads the model and exits. Add `do_train: true`. The estimate is for the training run.",
                trainingKey!.Key.Range));
        }

        // FSDP runs are `accelerate launch --config_file examples/accelerate/fsdp_config.yaml src/train.py cfg.yaml`
        // (examples/extras/fsdp_qlora/train.sh): the accelerate config gives the GPUs it starts; its plugin shards the run.
        launch = AccelerateLaunch.Find(document, options, diagnostics);
        var hardware = LlamaFactorySpellings.Hardware(document, options, provenance, diagnostics, launch?.Hardware);
        var model = ModelResolver.Bind(root.Find("model_name_or_path"),
            "No model: LLaMA-Factory needs `model_name_or_path` (a Hugging Face or ModelScope id such as Qwen/Qwen3-4B-Instruct-2507, or a local folder with config.json).",
            document, options, provenance, diagnostics);
        var values = TrainingArgumentsReader.Read(root, document, options, TrainingArgumentsDefaults.Transformers, provenance, diagnostics);
        var stage = String(root, "stage") ?? "sft";
        var finetuningType = String(root, "finetuning_type") ?? "lora";
        var zero3 = values.DeepSpeed?.Settings is not null && values.Sharding.ZeroStage == 3;
        var refusesQuantization = LlamaFactoryRules.Add(root, new RuleContext(stage, finetuningType, values.DeepSpeed is not null, zero3, hardware, provenance.Of(PlanField.GpusPerNode).Origin != ValueOrigin.Default), diagnostics);
        if (model is null || hardware is null)
            return Result(values: values);

        // parser.py 640-643: bf16 or pure_bf16 computes in bf16, fp16 in fp16; otherwise patcher.py 375-379 loads the
        // weights in the best 16-bit type the device has, and adapter.py 337-349 casts full/freeze's trainable weights
        // to fp32 (no autocast without bf16/fp16: fp32 training).
        // (BAdam and pure_bf16 skip that cast, adapter.py 343.)
        var pureBf16 = Bool(root, "pure_bf16", false);
        var fullWeights = finetuningType is "full" or "freeze";
        var castToFp32 = fullWeights && !pureBf16 && !Bool(root, "use_badam", false);
        var dtype = values.Bf16 || pureBf16 ? WeightDtype.Bf16
            : values.Fp16 ? WeightDtype.Fp16
            : castToFp32 || hardware.Gpu.IsCpu ? WeightDtype.Fp32
            : hardware.Gpu.NativeBf16 ? WeightDtype.Bf16 : WeightDtype.Fp16;
        if (pureBf16 && !values.Bf16)
            From(PlanField.Dtype, "pure_bf16");

        var (quantization, quantizationNote) = LlamaFactorySpellings.Quantization(NullableLong(root, "quantization_bit"), String(root, "quantization_method"));
        if (quantizationNote is not null)
            diagnostics.Add(LlamaFactorySpellings.NotModelled(root.Find("quantization_bit")!, quantizationNote + "."));
        // Refused with full/freeze (parser.py 237): the refusal is the finding; the plan is the 16-bit run.
        if (refusesQuantization)
            quantization = Quantization.None;

        var method = fullWeights ? FineTuneMethod.Full : FineTuneMethod.Lora;
        var lora = finetuningType == "oft" ? OftAsLora(root, model, diagnostics) : BindLora(root, model, diagnostics);
        lora = SavedModules(root, lora, pureBf16 || Bool(root, "use_badam", false), quantization != Quantization.None, zero3);
        if (finetuningType == "oft")
            From(PlanField.LoraTargets, "oft_target");

        // data_args.py 185-186: neat_packing packs; parser.py 645: packing defaults to true for stage pt.
        var packing = Scalar(root, "packing") is { IsNull: false } packingValue ? packingValue.AsBoolean() == true
            : Bool(root, "neat_packing", false) || stage == "pt";
        if (root.Find("packing") is not { Value: ScalarNode { IsNull: false } })
            From(PlanField.Packing, Bool(root, "neat_packing", false) ? "neat_packing" : "stage");

        var attention = String(root, "flash_attn") is { } flashAttn ? LlamaFactorySpellings.Attention(flashAttn) : AttentionKind.Sdpa;

        // model_utils/checkpointing.py 184: on unless disable_gradient_checkpointing; transformers' own
        // gradient_checkpointing: true turns it on in any case.
        var checkpointing = !Bool(root, "disable_gradient_checkpointing", false) || values.GradientCheckpointing;
        provenance.Set(PlanField.GradientCheckpointing, values.GradientCheckpointing && root.Find("gradient_checkpointing") is { } hfCheckpointing
            ? new ValueSource(ValueOrigin.Document) { Property = hfCheckpointing }
            : root.Find("disable_gradient_checkpointing") is { } disable ? new ValueSource(ValueOrigin.Document) { Property = disable } : ValueSource.Default with { Anchor = anchor });

        var optimizer = values.Optimizer;
        if (Bool(root, "use_galore", false) || Bool(root, "use_apollo", false))
        {
            optimizer = OptimizerType.AdaRankGrad;
            From(PlanField.Optimizer, Bool(root, "use_galore", false) ? "use_galore" : "use_apollo");
        }

        var plan = new TrainingPlan
        {
            Model = model with { Dtype = dtype, Quantization = quantization },
            Hardware = hardware,
            Method = new MethodChoice { Type = method, Lora = lora },
            Optimizer = values.ToOptimizerChoice(optimizer),
            Training = new TrainingChoice
            {
                MicroBatchSize = values.MicroBatch,
                GradientAccumulationSteps = values.GradientAccumulation,
                SequenceLength = Math.Max(1, Int(root, "cutoff_len", 2048)),
                Epochs = values.Epochs,
                MaxSteps = values.MaxSteps,
                GradientCheckpointing = checkpointing,
                Attention = attention,
                Packing = packing,
                Seed = values.Seed,
            },
            DeepSpeed = values.Sharding,
            Output = new OutputChoice { Dir = values.OutputDir ?? "trainer_output" },
            Objective = LlamaFactoryObjective.Bind(root, stage, finetuningType, Math.Max(1, Int(root, "cutoff_len", 2048)), values.MicroBatch),
            Savers = TrainerSavers.LlamaFactory(root, stage, checkpointing),
        };
        // The config's own `deepspeed`/`fsdp` replace the launch file's plugin (transformers builds its own from
        // TrainingArguments). Precision: parser.py 640-643 and the Trainer (which sets ACCELERATE_MIXED_PRECISION from
        // bf16/fp16) decide it whenever LLaMA-Factory computes in 16 bits; only a run it leaves in fp32 (full/freeze
        // without bf16/fp16) takes the launch file's `mixed_precision` as its autocast.
        plan = AccelerateLaunch.Apply(launch, plan, provenance, new LaunchOwnership(Sharding: values.DeepSpeed is not null || values.UsesFsdp, Precision: dtype != WeightDtype.Fp32), diagnostics);
        // The weights load in the compute dtype (patcher.py 375-379); adapter.py 337-349 then casts every trainable
        // parameter (full/freeze weights, LoRA adapters) to fp32, except under pure_bf16 and BAdam (adapter.py 343), which
        // keep them, and so the optimizer states, in bf16. DeepSpeed or FSDP then decide as on any Trainer run.
        var keepsTrainable16 = pureBf16 || Bool(root, "use_badam", false);
        plan = plan with
        {
            Model = plan.Model with
            {
                Regime = TrainerPrecision.Regime(plan.Model.Dtype, plan.Model.Dtype, upcastsTrainable: castToFp32, adaptersInFp32: !keepsTrainable16),
            },
        };
        TrainingArgumentsReader.CheckDeepSpeed(root, values, hardware.TotalGpus, diagnostics);
        LlamaFactoryRules.AddNotModelled(root, plan, stage, finetuningType, diagnostics);
        // dataset_info.json names (data/); the demo datasets LLaMA-Factory ships are known without the folder.
        plan = LocalDatasets.WithStatistics(plan with { Data = LlamaFactoryDatasets.Bind(root, plan.Data, stage, document.Path, options.Files) }, options.Files);
        plan = DatasetLengths.WithKnownLengths(plan, DatasetLengths.CommaList(String(root, "dataset")));
        var binding = Result(plan, values);
        if (refusesQuantization)
            OfferAdapter(binding, root, NullableLong(root, "quantization_bit") == 8 ? Quantization.Int8 : Quantization.Nf4, diagnostics);
        return binding;
    }

    /// <summary>The quantization refusal's fix: the LoRA adapter on the quantized base, estimated (QLoRA).</summary>
    private static void OfferAdapter(TrainerBinding binding, MappingNode root, Quantization quantization, List<Diagnostic> diagnostics)
    {
        var index = diagnostics.FindIndex(d => d.Code == DiagnosticCodes.FrameworkRefuses && d.Range == root.Find("quantization_bit")!.Key.Range);
        if (index < 0)
            return;
        PlanChange[] changes = [new(PlanField.Method, FineTuneMethod.Lora), new(PlanField.Quantization, quantization)];
        var edits = LlamaFactoryDialect.Instance.Write(binding, changes);
        if (edits.Count > 0)
        {
            var result = Estimation.Estimate.For(Advice.PlanChanges.Apply(binding.Plan!, changes));
            diagnostics[index] = diagnostics[index] with { Fixes = [new CodeFix("Use `finetuning_type: lora` (QLoRA)", edits) { IsPreferred = true, Changes = changes, Result = result }] };
        }
    }

    /// <summary>
    /// The modules trained in full beside the adapters and DoRA (finetuning_args.py 59, 103): <c>additional_target</c>
    /// (comma-separated, split_arg 590), or with <c>resize_vocab</c> and none named the input and output embeddings
    /// (model/adapter.py 246-254). They are upcast to fp32 with every trainable parameter unless pure_bf16 or BAdam,
    /// or ZeRO-3 on an unquantized base (adapter.py 337-350).
    /// </summary>
    private static LoraSettings SavedModules(MappingNode root, LoraSettings lora, bool halfTrainable, bool quantized, bool zero3)
    {
        var modules = HuggingFace.PeftTargets.ModuleNames(root.Find("additional_target")?.Value);
        if (modules.Count == 0 && Bool(root, "resize_vocab", false))
            modules = ["embed_tokens", "lm_head"];
        return lora with
        {
            ModulesToSave = modules,
            SavedModulesFp32 = !halfTrainable && (quantized || !zero3),
            UseDora = Bool(root, "use_dora", false),
        };
    }

    /// <summary>finetuning_args.py 59-119, 587: rank 8, alpha 2 x rank (0 or unset), dropout 0, every linear layer.</summary>
    private static LoraSettings BindLora(MappingNode root, ModelChoice model, List<Diagnostic> diagnostics)
    {
        var rank = Math.Max(1, Int(root, "lora_rank", 8));
        var alpha = Double(root, "lora_alpha", 0) is > 0 and var written ? written : rank * 2;
        var lora = new LoraSettings { Rank = rank, Alpha = alpha, Dropout = Math.Clamp(Double(root, "lora_dropout", 0.0), 0, 0.999) };
        return LlamaFactorySpellings.Targets(root.Find("lora_target")?.Value, lora, model, "lora_target", diagnostics);
    }

    /// <summary>
    /// OFT (finetuning_args.py 129-161) trains a block-diagonal orthogonal matrix per adapted layer: with blocks of b
    /// (oft_block_size, default 32) that is in x (b - 1) / 2 parameters, which LoRA of rank (b - 1) / 4 matches on a
    /// square layer; the estimate uses that LoRA.
    /// </summary>
    private static LoraSettings OftAsLora(MappingNode root, ModelChoice model, List<Diagnostic> diagnostics)
    {
        var blocks = Int(root, "oft_rank", 0);
        var blockSize = blocks > 0 ? Math.Max(2, model.Architecture.HiddenSize / blocks) : Math.Max(2, Int(root, "oft_block_size", 32));
        var rank = Math.Max(1, (int)Math.Round((blockSize - 1) / 4.0));
        if (root.Find("finetuning_type") is { } key)
            diagnostics.Add(LlamaFactorySpellings.NotModelled(key, $"OFT with blocks of {blockSize} trains about as many parameters as LoRA of rank {rank}; the estimate uses that LoRA."));
        var lora = new LoraSettings { Rank = rank, Alpha = rank * 2, Dropout = 0 };
        return LlamaFactorySpellings.Targets(root.Find("oft_target")?.Value, lora, model, "oft_target", diagnostics);
    }
}
