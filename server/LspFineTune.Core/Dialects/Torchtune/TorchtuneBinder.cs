using System.Text.Json;
using LspFineTune.Core.Catalogs;
using LspFineTune.Core.Diagnostics;
using LspFineTune.Core.Dialects.HuggingFace;
using LspFineTune.Core.Planning;
using LspFineTune.Core.Syntax;
using LspFineTune.Core.Text;
using static LspFineTune.Core.Planning.SyntaxReader;

namespace LspFineTune.Core.Dialects.Torchtune;

/// <summary>
/// Binds a torchtune recipe config (pytorch/torchtune@bd2a0fc) to the plan: the model builder <c>model._component_</c>
/// (its architecture, LoRA and QLoRA arguments with the builder's own defaults), the top-level keys the recipes read
/// (<c>recipes/*_finetune_*.py</c>: <c>batch_size</c>, <c>gradient_accumulation_steps</c>, <c>dtype</c>,
/// <c>enable_activation_checkpointing</c>, ...), the optimizer and loss components, and the recipe (single device, or
/// distributed with FSDP2) from the modeline, the <c>tune run</c> header comment or the recipe registry.
/// </summary>
public static class TorchtuneBinder
{
    /// <summary>The sequence length assumed when <c>tokenizer.max_seq_len</c> is null (torchtune then does not truncate):
    /// the plan's own default, so the same run written in any format binds to the same length.</summary>
    public const int AssumedSequenceLength = 2048;

    public static TorchtuneBinding Bind(DocumentContext document, BindingOptions options)
    {
        var root = document.Tree.RootMapping!;
        var data = TorchtuneComponents.Default;
        var diagnostics = new List<Diagnostic>();
        var provenance = new PlanProvenance();
        var modelProperty = root.Find(ModelKey(root));
        var anchor = modelProperty?.Key.Range ?? TextRange.At(0, 0);
        foreach (var field in System.Enum.GetValues<PlanField>())
        {
            provenance.Set(field, TorchtuneVocabulary.Instance.Key(field) is { } key && !key.StartsWith('#') && document.Tree.FindProperty(key) is { } written
                ? new ValueSource(ValueOrigin.Document) { Property = written }
                : ValueSource.Default with { Anchor = anchor });
        }
        void From(PlanField field, PropertyNode? property)
        {
            if (property is not null)
                provenance.Set(field, new ValueSource(ValueOrigin.Document) { Property = property });
        }

        var launch = TorchtuneLaunch.Parse(document.Text);
        var recipe = FindRecipe(document, launch, data);
        TorchtuneValidation.Check(root, data, diagnostics);
        var builderPath = String(Section(root, ModelKey(root)), "_component_");
        var builder = builderPath is null ? null : data.Find(builderPath);
        var training = recipe?.Trains ?? (root.Find("optimizer") is not null && root.Find("loss") is not null);
        var distributed = recipe?.IsDistributed ?? new[] { "fsdp_cpu_offload", "fsdp_reshard_after_forward", "tensor_parallel_dim", "data_parallel_shard_dim", "custom_sharded_layers" }.Any(k => root.Find(k) is not null);
        TorchtuneBinding Partial() => new() { Document = document, Diagnostics = diagnostics, Provenance = provenance, Builder = builder is null ? null : builderPath, Recipe = recipe, Distributed = distributed };

        // Evaluation, generation and quantization configs (eleuther_eval, generate, quantize) train nothing: their
        // components are checked as `tune validate` does, and there is no training step to estimate.
        if (!training)
            return Partial();
        TorchtuneRules.Add(root, recipe, diagnostics);

        var own = new OwnHardware(null, launch.GpusPerNode, launch.Nodes, ValueOrigin.Document)
        {
            Anchor = launch.RunRange,
            Detail = launch.RunRange is not null ? "the `tune run` comment" : null,
        };
        var hardware = HardwareResolver.Resolve(document, options, own, provenance, diagnostics);
        var model = BindModel(root, document, options, launch, builderPath, builder, provenance, diagnostics);
        if (model is null || hardware is null)
            return Partial();

        var modelSection = Section(root, ModelKey(root));
        var isLora = builder?.Model?.Lora ?? (builderPath?.Split('.')[^1] is { } last && (last.StartsWith("lora_", StringComparison.Ordinal) || last.StartsWith("qlora_", StringComparison.Ordinal)));
        var quantized = isLora && (Scalar(modelSection, "quantize_base")?.AsBoolean() ?? DefaultBool(builder, "quantize_base") ?? false);
        var lora = BindLora(modelSection, builder, model, isLora, diagnostics);
        From(PlanField.LoraRank, modelSection?.Find("lora_rank"));

        var dtype = String(root, "dtype")?.ToLowerInvariant() switch
        {
            "fp32" or "fp64" => WeightDtype.Fp32,
            "fp16" => WeightDtype.Fp16,
            _ => WeightDtype.Bf16,
        };
        var optimizerSection = Section(root, "optimizer");
        var (optimizer, optimizerNote) = Optimizer(String(optimizerSection, "_component_"));
        if (optimizerNote is not null && optimizerSection is not null)
            diagnostics.Add(NotModelled(root.Find("optimizer")!, optimizerNote));

        var micro = Math.Max(1, Int(root, "batch_size", 1));
        var accumulation = Math.Max(1, Int(root, "gradient_accumulation_steps", 1));
        var sequence = SequenceLength(root, diagnostics);
        var epochs = Math.Max(1, Int(root, "epochs", 1));
        var perEpoch = NullableLong(root, "max_steps_per_epoch");
        var scheduler = String(Section(root, "lr_scheduler"), "_component_")?.ToLowerInvariant() switch
        {
            null => LrScheduler.Constant,
            var name when name.Contains("cosine") => LrScheduler.Cosine,
            var name when name.Contains("linear") => LrScheduler.Linear,
            _ => LrScheduler.Constant,
        };
        var sharding = new DeepSpeedChoice { ShardsWith = ShardingEngine.Fsdp };
        if (distributed)
        {
            // Distributed recipes always shard with FSDP2 (training.shard_model, fully_shard per layer);
            // fsdp_cpu_offload is CPUOffloadPolicy: parameters, gradients and the optimizer step on the CPU.
            var offload = Scalar(root, "fsdp_cpu_offload")?.AsBoolean() == true;
            var reshard = Scalar(root, "fsdp_reshard_after_forward")?.AsBoolean();
            var (choice, note) = FsdpSharding.Equivalent(null, reshard, offload);
            sharding = choice with { ShardsWith = ShardingEngine.Fsdp };
            var fsdpKey = root.Find("fsdp_cpu_offload") ?? root.Find("fsdp_reshard_after_forward");
            foreach (var field in new[] { PlanField.ZeroStage, PlanField.OffloadParams, PlanField.OffloadOptimizer })
                provenance.Set(field, fsdpKey is not null ? new ValueSource(ValueOrigin.Document) { Property = fsdpKey } : ValueSource.Default with { Anchor = anchor, Detail = $"recipe {recipe?.Name ?? "distributed"}" });
            diagnostics.Add(new Diagnostic(DiagnosticCodes.NotModelled, DiagnosticSeverity.Information,
                $"The distributed recipe{(recipe is null ? "" : $" {recipe.Name}")} shards with FSDP2. " + note, fsdpKey?.Key.Range ?? anchor));
        }
        var (savers, checkpointing) = TorchtuneSavers.Bind(root, recipe, diagnostics);
        ParallelGroups.Check(root.Find("tensor_parallel_dim") ?? root.Find("context_parallel_dim"), savers, hardware, diagnostics);
        var plan = new TrainingPlan
        {
            // Every recipe trains in pure bf16 (full_finetune_distributed.py 85: "all activations, gradients and optimizer
            // states are in bfloat16"): no fp32 master copy, bf16 LoRA adapters.
            Model = model with { Dtype = dtype, Quantization = quantized ? Quantization.Nf4 : Quantization.None, Regime = PrecisionRegime.Pure },
            Hardware = hardware,
            Method = new MethodChoice { Type = isLora ? FineTuneMethod.Lora : FineTuneMethod.Full, Lora = lora },
            Optimizer = new OptimizerChoice
            {
                Type = optimizer,
                Paged = OptimizerChoice.IsPaged(String(optimizerSection, "_component_")),
                LearningRate = Double(optimizerSection, "lr", optimizer == OptimizerType.Sgd ? 1e-3 : 1e-3),
                WeightDecay = Double(optimizerSection, "weight_decay", optimizer == OptimizerType.Sgd ? 0 : 0.01),
                Scheduler = scheduler,
                WarmupSteps = Math.Max(0, Int(Section(root, "lr_scheduler"), "num_warmup_steps", 0)),
            },
            Training = new TrainingChoice
            {
                MicroBatchSize = micro,
                GradientAccumulationSteps = accumulation,
                SequenceLength = sequence,
                Epochs = epochs,
                MaxSteps = perEpoch is > 0 ? perEpoch * epochs : null,
                GradientCheckpointing = checkpointing,
                Attention = AttentionKind.Sdpa,
                Packing = Bool(Section(root, "dataset"), "packed", false),
                Seed = NullableLong(root, "seed") ?? 42,
            },
            DeepSpeed = sharding,
            Output = new OutputChoice { Dir = String(root, "output_dir") ?? "./outputs" },
            Objective = TorchtuneObjective.Bind(root, micro, sequence),
            Savers = savers,
        };
        if (isLora)
            CheckTargets(root, plan, diagnostics);
        // dataset._component_ (or a list of them): torchtune.datasets.alpaca_cleaned_dataset is the cleaned Alpaca data.
        plan = DatasetLengths.WithKnownLengths(plan, DatasetLengths.Values(root.Find("dataset")?.Value, "_component_", DatasetLengths.BuilderName));
        TorchtuneRules.AddNotModelled(root, plan, builder, diagnostics);
        return new TorchtuneBinding
        {
            Document = document,
            Plan = plan,
            Provenance = provenance,
            Diagnostics = diagnostics,
            Builder = builder is null ? null : builderPath,
            Recipe = recipe,
            Distributed = distributed,
        };
    }

    /// <summary>The recipe: the modeline's <c>recipe=</c>, else the <c>tune run</c> comment's, else the registry's for
    /// the config's name (from the <c>--config</c> of that comment, or the file's path under recipes/configs).</summary>
    private static TorchtuneRecipe? FindRecipe(DocumentContext document, TorchtuneLaunch launch, TorchtuneComponents data)
    {
        if (document.Modeline.Recipe is { } named)
            return data.Recipe(named) ?? new TorchtuneRecipe(named, named.EndsWith("_distributed", StringComparison.Ordinal), [], new Dictionary<string, bool>());
        if (launch.Recipe is { } run)
            return data.Recipe(run) ?? new TorchtuneRecipe(run, run.EndsWith("_distributed", StringComparison.Ordinal), [], new Dictionary<string, bool>());
        if (launch.ConfigName is { } config && data.RecipeOfConfig(config) is { } byConfig)
            return byConfig;
        if (document.Path is { } path)
        {
            var parts = path.Replace('\\', '/').Split('/');
            for (var take = Math.Min(2, parts.Length); take >= 1; take--)
            {
                if (data.RecipeOfConfig(string.Join('/', parts[^take..])) is { } byPath)
                    return byPath;
            }
        }
        return null;
    }

    /// <summary>
    /// The model: a local <c>checkpointer.checkpoint_dir</c> with config.json, else the catalog entry of the
    /// <c>tune download</c> id or of the checkpoint folder's name when its shape is the builder's, else the builder's own
    /// architecture (torchtune builds the model from the builder, not from the checkpoint's config.json).
    /// </summary>
    private static ModelChoice? BindModel(MappingNode root, DocumentContext document, BindingOptions options, TorchtuneLaunch launch, string? builderPath,
        TorchtuneComponent? builder, PlanProvenance provenance, List<Diagnostic> diagnostics)
    {
        var modelProperty = root.Find(ModelKey(root));
        var componentProperty = Section(root, ModelKey(root))?.Find("_component_");
        if (componentProperty?.Value is not ScalarNode { IsNull: false, Value.Length: > 0 } component)
        {
            diagnostics.Add(Diagnostic.Error(DiagnosticCodes.ModelSourceCount,
                "No model: a torchtune recipe instantiates `model._component_` (a builder such as torchtune.models.llama3_2.lora_llama3_2_1b).",
                modelProperty?.Key.Range ?? TextRange.At(0, 0)));
            return null;
        }
        foreach (var field in new[] { PlanField.Model, PlanField.Method, PlanField.Quantization })
            provenance.Set(field, new ValueSource(ValueOrigin.Document) { Property = componentProperty });
        var checkpointDir = Section(root, "checkpointer")?.Find("checkpoint_dir");
        if (checkpointDir?.Value is ScalarNode { IsNull: false, Value.Length: > 0 } dir && !dir.Value.Contains("${", StringComparison.Ordinal)
            && ModelResolver.LocalCandidates(dir.Value.Trim(), document.Path, options.WorkspaceFolder).Any(f => options.Files.Stat(f).Kind == Files.FileKind.Directory
                && options.Files.Stat(Path.Combine(f, "config.json")).Kind == Files.FileKind.Regular))
        {
            provenance.Set(PlanField.Model, new ValueSource(ValueOrigin.Document) { Property = checkpointDir, Via = componentProperty });
            return ModelResolver.Resolve(dir, "checkpointer.checkpoint_dir", document, options, diagnostics);
        }
        var architecture = builder?.Model?.With(Section(root, ModelKey(root))).Architecture();
        // The checkpoint folder first: a distillation config's header downloads the teacher too.
        var ids = new List<string>();
        if (checkpointDir?.Value is ScalarNode { IsNull: false, Value.Length: > 0 } folder)
            ids.Add(folder.Value.TrimEnd('/', '\\').Split('/', '\\')[^1]);
        if (launch.DownloadId is { } download)
            ids.Add(download);
        if (ModelResolver.Known(ids, options) is { } known && (architecture is null || SameShape(known.Architecture, architecture)))
            return known;
        var name = builderPath!.Split('.')[^1];
        var bare = name.StartsWith("qlora_", StringComparison.Ordinal) ? name[6..] : name.StartsWith("lora_", StringComparison.Ordinal) ? name[5..] : name;
        var buildable = architecture is not null && ModelStructureBuilder.Validate(architecture).Count == 0;
        // The builder's name is a catalog alias (llama2_7b, qwen3_0_6b_instruct): the catalog gives the published size,
        // and the architecture when the builder's own cannot be built here (vision, mixture-of-experts builders).
        if (ModelCatalog.Default.Resolve(bare) is { } entry && (!buildable || SameShape(entry.Model.Architecture, architecture!)))
        {
            return ModelResolver.FromCatalog(entry) with
            {
                Architecture = buildable ? architecture! : entry.Model.Architecture,
                Origin = new ModelOrigin(ModelSourceKind.Builder, $"{bare} (the catalog's {entry.Model.Id}, {entry.Model.HfId})"),
            };
        }
        if (buildable)
            return new ModelChoice { Id = bare, Architecture = architecture!, Origin = new ModelOrigin(ModelSourceKind.Builder, bare) };
        // A builder the estimate cannot build (vision, mixture-of-experts, an unknown path) and no known checkpoint.
        if (builder is not null || !builderPath.StartsWith("torchtune.", StringComparison.Ordinal))
            diagnostics.Add(ModelResolver.Unknown(launch.DownloadId ?? bare, "checkpointer.checkpoint_dir", component.Range, offerFix: false));
        else
            diagnostics.Add(new Diagnostic(DiagnosticCodes.UnknownModel, DiagnosticSeverity.Warning,
                $"`{builderPath}` is not a torchtune builder, so its architecture is unknown and this config gets no estimate. Name one of torchtune's model builders.", component.Range));
        return null;
    }

    /// <summary>The section the recipe instantiates as the trained model: <c>model</c>, or PPO's <c>policy_model</c>.</summary>
    public static string ModelKey(MappingNode root) => root.Find("model") is null && root.Find("policy_model") is not null ? "policy_model" : "model";

    private static bool SameShape(ModelArchitecture a, ModelArchitecture b) =>
        a.NumHiddenLayers == b.NumHiddenLayers && a.HiddenSize == b.HiddenSize && a.VocabSize == b.VocabSize && a.IntermediateSize == b.IntermediateSize;

    private static bool? DefaultBool(TorchtuneComponent? component, string name) =>
        component?.Parameter(name)?.Default is { ValueKind: JsonValueKind.True or JsonValueKind.False } value ? value.GetBoolean() : null;

    private static double? DefaultNumber(TorchtuneComponent? component, string name) =>
        component?.Parameter(name)?.Default is { ValueKind: JsonValueKind.Number } value ? value.GetDouble() : null;

    /// <summary>torchtune's LoRA arguments, with the builder's defaults (rank 8, alpha 16, dropout 0 for most builders),
    /// mapped onto the model's linear names: q/k/v_proj and output_proj (o_proj) in attention, w1/w3/w2 (gate/up/down)
    /// with <c>apply_lora_to_mlp</c>.</summary>
    private static LoraSettings BindLora(MappingNode? model, TorchtuneComponent? builder, ModelChoice choice, bool isLora, List<Diagnostic> diagnostics)
    {
        var rank = (int)Math.Max(1, NullableLong(model, "lora_rank") ?? (long)(DefaultNumber(builder, "lora_rank") ?? 8));
        var attention = model?.Find("lora_attn_modules")?.Value is SequenceNode list
            ? list.Items.OfType<ScalarNode>().Select(s => s.Value.Trim()).Where(s => s.Length > 0).ToList()
            : isLora ? [] : ["q_proj", "v_proj"];
        var mlp = Scalar(model, "apply_lora_to_mlp")?.AsBoolean() ?? DefaultBool(builder, "apply_lora_to_mlp") ?? false;
        var targets = Targets(choice.Structure, attention, mlp);
        return new LoraSettings
        {
            // The lora_* builders' use_dora (torchtune/modules/peft/dora.py DoRALinear: a magnitude per output row).
            UseDora = isLora && (Scalar(model, "use_dora")?.AsBoolean() ?? false),
            Rank = rank,
            Alpha = NullableDouble(model, "lora_alpha") ?? DefaultNumber(builder, "lora_alpha") ?? rank * 2,
            Dropout = Math.Clamp(NullableDouble(model, "lora_dropout") ?? DefaultNumber(builder, "lora_dropout") ?? 0, 0, 0.999),
            TargetModules = targets.Count > 0 ? targets : ["q_proj", "v_proj"],
        };
    }

    /// <summary>torchtune's module names as the model structure's linear names (by role where the layout fuses them).</summary>
    public static IReadOnlyList<string> Targets(ModelStructure structure, IReadOnlyList<string> attention, bool mlp)
    {
        var linears = structure.LayerLinears;
        var names = new List<string>();
        foreach (var module in attention)
        {
            if (module is "q_proj" or "k_proj" or "v_proj")
                names.AddRange(linears.Any(l => l.Name == module) ? [module] : linears.Where(l => l.Role == LinearRole.AttentionInput).Select(l => l.Name));
            else if (module == "output_proj")
                names.AddRange(linears.Where(l => l.Role == LinearRole.AttentionOutput).Select(l => l.Name));
        }
        if (mlp)
            names.AddRange(linears.Where(l => l.Role is LinearRole.MlpInput or LinearRole.MlpOutput).Select(l => l.Name));
        return names.Distinct().ToList();
    }

    /// <summary>torchtune's LoRA builders read only q_proj, k_proj, v_proj and output_proj; another name adapts nothing
    /// (the builders test membership, _component_builders.py lora_*_self_attention) and an empty list is refused.</summary>
    private static void CheckTargets(MappingNode root, TrainingPlan plan, List<Diagnostic> diagnostics)
    {
        string[] known = ["q_proj", "k_proj", "v_proj", "output_proj"];
        if (Section(root, "model")?.Find("lora_attn_modules") is not { Value: SequenceNode list } property)
            return;
        if (list.Items.Count == 0)
        {
            diagnostics.Add(Diagnostic.Error(DiagnosticCodes.FrameworkRefuses,
                "torchtune refuses an empty `lora_attn_modules` (\"Must pass one or more of q_proj, k_proj, v_proj, output_proj\"). Name the attention projections to adapt, such as ['q_proj', 'v_proj', 'output_proj'].",
                property.Key.Range));
            return;
        }
        foreach (var item in list.Items.OfType<ScalarNode>().Where(i => !known.Contains(i.Value.Trim())))
        {
            var suggestion = item.Value.Trim() is "o_proj" or "out_proj" or "dense" ? "output_proj" : Schema.DidYouMean.Suggest(item.Value.Trim(), known);
            diagnostics.Add(Diagnostic.Warning(DiagnosticCodes.UnknownLoraTarget,
                $"`{item.Value}` is not one of torchtune's LoRA attention modules (q_proj, k_proj, v_proj, output_proj), so the builder adapts nothing for it.{(suggestion is null ? "" : $" Did you mean `{suggestion}`?")} MLP layers are adapted with `apply_lora_to_mlp: True`.",
                item.Range) with
            {
                Data = suggestion is null ? new Dictionary<string, string>() : new Dictionary<string, string> { ["suggestion"] = suggestion },
            });
        }
    }

    /// <summary>The optimizer a component path means for memory, and what the estimate simplifies (null: exact).</summary>
    public static (OptimizerType Type, string? Approximation) Optimizer(string? path)
    {
        if (path is null)
            return (OptimizerType.AdamW, null);
        var name = path.Split('.')[^1];
        return name switch
        {
            "AdamW" or "Adam" when path.StartsWith("torch.", StringComparison.Ordinal) => (OptimizerType.AdamW, null),
            "SGD" => (OptimizerType.Sgd, null),
            "PagedAdamW" or "PagedAdamW32bit" => (OptimizerType.AdamW, null),
            "AdamW8bit" or "PagedAdamW8bit" or "AdamWFp8" => (OptimizerType.AdamW8bit, null),
            "AdamW4bit" => (OptimizerType.AdamW8bit, "4-bit optimizer states are estimated as 8-bit, an over-estimate"),
            "AdamW" or "Adam" => (OptimizerType.AdamW, null),
            "Adafactor" => (OptimizerType.Adafactor, null),
            _ => TransformersSpellings.Optimizer(name),
        };
    }

    /// <summary>
    /// <c>tokenizer.max_seq_len</c> truncates every example; null (145 of torchtune's 198 configs) truncates nothing, so a
    /// batch is as long as its longest example and the estimate assumes <see cref="AssumedSequenceLength"/> tokens.
    /// </summary>
    private static int SequenceLength(MappingNode root, List<Diagnostic> diagnostics)
    {
        var tokenizer = root.Find("tokenizer");
        var property = Section(root, "tokenizer")?.Find("max_seq_len");
        if (property?.Value is ScalarNode scalar && scalar.AsInteger() is > 0 and var length)
            return (int)Math.Min(length, int.MaxValue);
        if (tokenizer is not null)
        {
            diagnostics.Add(new Diagnostic(DiagnosticCodes.NotModelled, DiagnosticSeverity.Information,
                $"`tokenizer.max_seq_len` is {(property is null ? "not set" : "null")}: torchtune does not truncate, so each batch is as long as its longest example. The estimate assumes {AssumedSequenceLength:N0} tokens; set `max_seq_len` under `tokenizer` to bound the length (and the memory).",
                (property ?? tokenizer).Key.Range));
        }
        return AssumedSequenceLength;
    }

    internal static Diagnostic NotModelled(PropertyNode property, string message) =>
        new(DiagnosticCodes.NotModelled, DiagnosticSeverity.Information, message.EndsWith('.') ? message : message + ".", property.Key.Range);
}
