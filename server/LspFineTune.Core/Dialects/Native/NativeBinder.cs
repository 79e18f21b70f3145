using System.Text.Json.Nodes;
using LspFineTune.Core.Catalogs;
using LspFineTune.Core.Diagnostics;
using LspFineTune.Core.Estimation;
using LspFineTune.Core.Syntax;
using LspFineTune.Core.Text;
using LspFineTune.Core.Planning;
using static LspFineTune.Core.Planning.SyntaxReader;

namespace LspFineTune.Core.Dialects.Native;

/// <summary>
/// Binds a native config to a <see cref="TrainingPlan"/>: applies defaults, resolves the model (catalog id, local
/// folder or inline architecture) and the GPU against the catalogs, reads data files for their size, records where
/// every value came from, and reports what the schema cannot: unknown ids with suggestions, the one-model-source rule,
/// unreadable paths, sections that the chosen method ignores.
/// </summary>
public static class NativeBinder
{
    public static DialectBinding Bind(DocumentContext document, BindingOptions options)
    {
        var tree = document.Tree;
        var diagnostics = new List<Diagnostic>();
        var provenance = new PlanProvenance();
        var root = tree.RootMapping;
        if (root is null)
            return new DialectBinding { Document = document, Diagnostics = diagnostics, Provenance = provenance };

        foreach (var field in System.Enum.GetValues<PlanField>())
        {
            if (NativeVocabulary.PathOf(field) is { } path)
                provenance.Set(field, SourceOf(tree, path));
        }
        var modelSection = Section(root, "model");
        var model = BindModel(tree, modelSection, options, diagnostics, provenance);
        var hardwareSection = Section(root, "hardware");
        var own = new OwnHardware(String(hardwareSection, "gpu"), NullableInt(hardwareSection, "gpus_per_node"), NullableInt(hardwareSection, "nodes"), ValueOrigin.Document)
        {
            GpuProperty = hardwareSection?.Find("gpu"),
            GpusPerNodeProperty = hardwareSection?.Find("gpus_per_node"),
            NodesProperty = hardwareSection?.Find("nodes"),
        };
        var hardware = HardwareResolver.Resolve(document, options, own, provenance, diagnostics);
        if (model is null || hardware is null)
            return new DialectBinding { Document = document, Diagnostics = diagnostics, Provenance = provenance };

        var methodSection = Section(root, "method");
        var loraSection = Section(methodSection, "lora");
        var zerothSection = Section(methodSection, "zeroth_order");
        var optimizerSection = Section(root, "optimizer");
        var trainingSection = Section(root, "training");
        var deepSpeedSection = Section(root, "deepspeed");
        var outputSection = Section(root, "output");

        var plan = new TrainingPlan
        {
            Model = model,
            Hardware = hardware,
            Method = new MethodChoice
            {
                Type = Enum(methodSection, "type", FineTuneMethod.Full),
                Lora = BindLora(loraSection),
                ZerothOrder = new ZerothOrderSettings
                {
                    Epsilon = Double(zerothSection, "epsilon", 1e-3),
                    TrainableFraction = Math.Clamp(Double(zerothSection, "trainable_fraction", 1.0), 1e-9, 1.0),
                    OverLora = String(zerothSection, "parameters") == "lora",
                    CalibrationDataPath = String(zerothSection, "calibration_data") is { } calibration ? ResolvePath(calibration, options) : null,
                },
            },
            Optimizer = new OptimizerChoice
            {
                Type = Enum(optimizerSection, "type", OptimizerType.AdamW),
                LearningRate = Double(optimizerSection, "learning_rate", 2e-5),
                WeightDecay = Double(optimizerSection, "weight_decay", 0),
                Scheduler = Enum(optimizerSection, "lr_scheduler", LrScheduler.Cosine),
                WarmupSteps = Math.Max(0, Int(optimizerSection, "warmup_steps", 0)),
                AdaRankGrad = new AdaRankGradSettings
                {
                    MaxRank = Math.Max(1, Int(Section(optimizerSection, "adarankgrad"), "max_rank", 128)),
                    EnergyThreshold = Double(Section(optimizerSection, "adarankgrad"), "energy_threshold", 0.9),
                    UpdateInterval = Math.Max(1, Int(Section(optimizerSection, "adarankgrad"), "update_interval", 200)),
                    ConvergenceTolerance = Math.Clamp(Double(Section(optimizerSection, "adarankgrad"), "convergence_tolerance", 0.1), 0, 1),
                },
            },
            Training = new TrainingChoice
            {
                MicroBatchSize = Math.Max(1, Int(trainingSection, "micro_batch_size", 1)),
                GradientAccumulationSteps = Math.Max(1, Int(trainingSection, "gradient_accumulation_steps", 1)),
                SequenceLength = Math.Max(1, Int(trainingSection, "sequence_length", 2048)),
                Epochs = Double(trainingSection, "epochs", 1) is var epochs && epochs > 0 ? epochs : 1,
                MaxSteps = NullableLong(trainingSection, "max_steps") is > 0 and var steps ? steps : null,
                GradientCheckpointing = Bool(trainingSection, "gradient_checkpointing", false),
                Attention = Enum(trainingSection, "attention", AttentionKind.Sdpa),
                Packing = Bool(trainingSection, "packing", false),
                Seed = NullableLong(trainingSection, "seed") ?? 42,
            },
            DeepSpeed = new DeepSpeedChoice
            {
                // The native deepspeed section is DeepSpeed's (with its fp32 master weights) once it shards.
                Engine = Int(deepSpeedSection, "zero_stage", 0) is >= 1 and <= 3 ? ShardingEngine.DeepSpeed : ShardingEngine.None,
                ZeroStage = Int(deepSpeedSection, "zero_stage", 0) is >= 0 and <= 3 and var stage ? stage : 0,
                OffloadOptimizer = Offload(deepSpeedSection, "offload_optimizer"),
                OffloadParams = Offload(deepSpeedSection, "offload_params"),
            },
            Data = BindData(tree, Section(root, "data"), options, diagnostics),
            Output = new OutputChoice
            {
                Dir = String(outputSection, "dir") ?? "./runs/lft",
                SaveEverySteps = Math.Max(1, Int(outputSection, "save_every_steps", 100)),
                EvalEverySteps = Math.Max(1, Int(outputSection, "eval_every_steps", 50)),
            },
        };

        if (plan.Method.Type == FineTuneMethod.Lora)
        {
            var names = Dialects.HuggingFace.PeftTargets.LayerNames(plan.Model.Structure);
            var written = tree.FindProperty("method.lora.target_modules")?.Value;
            foreach (var (unmatched, range) in Dialects.HuggingFace.PeftTargets.Locate(LoraTargets.Unmatched(plan.Model.Structure, plan.Method.Lora), written, tree.RangeOf("method.lora.target_modules")))
            {
                diagnostics.Add(Diagnostic.Warning(DiagnosticCodes.UnknownLoraTarget,
                    $"LoRA target `{unmatched}` matches no linear layer of {plan.Model.Id}{Dialects.HuggingFace.PeftTargets.VisionTowerCaveat(plan.Model.Structure)} ({plan.Model.Architecture.ModelType}); its layers are: {names}. Use one of them or `all-linear`.",
                    range));
            }
        }
        NativeRules.Add(tree, plan, diagnostics);
        return new DialectBinding { Document = document, Plan = plan, Provenance = provenance, Diagnostics = diagnostics };
    }

    /// <summary>A key of the document when written; else a default, reported at the deepest section that exists.</summary>
    private static ValueSource SourceOf(ConfigSyntaxTree tree, string path) => tree.FindProperty(path) is { } property
        ? new ValueSource(ValueOrigin.Document) { Property = property }
        : ValueSource.Default with { Anchor = tree.RangeOf(path) };

    private static int? NullableInt(MappingNode? section, string key) =>
        NullableLong(section, key) is >= int.MinValue and <= int.MaxValue and var value ? (int)value : null;

    private static LoraSettings BindLora(MappingNode? lora)
    {
        var targets = lora?.Find("target_modules")?.Value;
        var allLinear = targets is ScalarNode { Value: "all-linear" };
        IReadOnlyList<string> modules = targets is SequenceNode sequence
            ? sequence.Items.OfType<ScalarNode>().Where(s => s.Value.Length > 0).Select(s => s.Value).ToList()
            : ["q_proj", "v_proj"];
        return new LoraSettings
        {
            Rank = Math.Max(1, Int(lora, "rank", 16)),
            Alpha = Double(lora, "alpha", 32),
            Dropout = Math.Clamp(Double(lora, "dropout", 0.05), 0, 0.999),
            TargetModules = modules.Count > 0 ? modules : ["q_proj", "v_proj"],
            AllLinear = allLinear,
        };
    }

    private static ModelChoice? BindModel(ConfigSyntaxTree tree, MappingNode? model, BindingOptions options, List<Diagnostic> diagnostics, PlanProvenance provenance)
    {
        var sources = new[] { "name", "path", "architecture" }.Select(key => model?.Find(key)).Where(p => p is not null).ToList();
        if (sources.Count == 0)
        {
            // After a syntax error the keys past it were never read, so "missing" would mislead.
            if (tree.Diagnostics.Any(d => d.Code == DiagnosticCodes.SyntaxError))
                return null;
            var range = tree.RootMapping?.Find("model")?.Key.Range ?? TextRange.At(0, 0);
            diagnostics.Add(Diagnostic.Error(DiagnosticCodes.ModelSourceCount,
                "No model given: set `model.name` (a catalog id such as llama-2-7b), `model.path` (a local Hugging Face folder) or `model.architecture` (config.json keys).",
                range));
            return null;
        }
        foreach (var extra in sources.Skip(1))
        {
            diagnostics.Add(Diagnostic.Error(DiagnosticCodes.ModelSourceCount,
                $"`model.{extra!.Key.Value}` conflicts with `model.{sources[0]!.Key.Value}`: give exactly one of name, path or architecture.",
                extra.Key.Range));
        }

        var dtype = Enum(model, "dtype", WeightDtype.Bf16);
        var quantization = Enum(model, "quantization", Quantization.None);
        var source = sources[0]!;
        provenance.Set(PlanField.Model, new ValueSource(ValueOrigin.Document) { Property = source });
        ModelChoice? choice = source.Key.Value switch
        {
            "name" => BindCatalogModel(source, diagnostics),
            "path" => BindModelFolder(source, options, diagnostics),
            _ => BindInlineArchitecture(source, diagnostics),
        };
        if (choice is null)
            return null;
        var problems = ModelStructureBuilder.Validate(choice.Architecture);
        if (problems.Count > 0)
        {
            diagnostics.Add(Diagnostic.Error(DiagnosticCodes.InvalidArchitecture,
                $"The model's architecture is not usable: {string.Join("; ", problems)}.", source.Key.Range));
            return null;
        }
        if (!ModelStructureBuilder.IsKnownFamily(choice.Architecture.ModelType))
        {
            diagnostics.Add(new Diagnostic(DiagnosticCodes.InvalidArchitecture, DiagnosticSeverity.Information,
                $"model_type `{choice.Architecture.ModelType}` is not a family LspFineTune knows; it is estimated with the LLaMA layout (q/k/v/o, gate/up/down, RMSNorm). {KnownFamilyHint(choice.Architecture.ModelType)}",
                source.Key.Range));
        }
        // model.precision: the regime beside the compute dtype (mixed: fp32 master, DeepSpeed's; pure; autocast over fp32).
        var regime = String(model, "precision") switch
        {
            "pure" => PrecisionRegime.Pure,
            "autocast" => PrecisionRegime.InPlace(WeightDtype.Fp32),
            _ => PrecisionRegime.MixedWithMaster,
        };
        return choice with { Dtype = dtype, Quantization = quantization, Regime = regime };
    }

    /// <summary>The nearest known model_type when the unknown one looks like a typo, else where the list is.</summary>
    private static string KnownFamilyHint(string modelType)
    {
        var near = ModelStructureBuilder.KnownFamilies
            .Select(known => (known, distance: Text.EditDistance.AtMost(ModelStructureBuilder.NormalizeFamily(modelType), known, 2)))
            .Where(candidate => candidate.distance <= 2)
            .OrderBy(candidate => candidate.distance)
            .Select(candidate => candidate.known)
            .FirstOrDefault();
        return near is not null ? $"Did you mean `{near}`?" : $"The {ModelStructureBuilder.KnownFamilies.Count} known model types are the families `lft models` lists.";
    }

    private static ModelChoice? BindCatalogModel(PropertyNode source, List<Diagnostic> diagnostics)
    {
        if (source.Value is not ScalarNode { Kind: not ScalarKind.Null } scalar || scalar.Value.Length == 0)
            return null;
        if (ModelIdentity.Parse(scalar.Value).Refusal is { } refusal)
        {
            diagnostics.Add(Diagnostic.Error(DiagnosticCodes.UnknownModel, $"`{scalar.Value}` {refusal}. Name the model it was converted from.", scalar.Range));
            return null;
        }
        // A hub id works too, a derived one included (unsloth/Qwen3-8B-bnb-4bit: Qwen3-8B, stored 4-bit).
        if (ModelCatalog.Default.Resolve(scalar.Value) is { } match)
            return HuggingFace.ModelResolver.FromCatalog(match);
        var suggestions = ModelCatalog.Default.Suggest(scalar.Value);
        var hint = suggestions.Count > 0 ? $" Did you mean `{suggestions[0]}`?" : "";
        diagnostics.Add(new Diagnostic(DiagnosticCodes.UnknownModel, DiagnosticSeverity.Error,
            $"Unknown model `{scalar.Value}`.{hint} Use a catalog id (`lft models` lists them), `model.path` for a local Hugging Face folder, or `model.architecture` with its config.json keys (hidden_size, num_hidden_layers, num_attention_heads, intermediate_size, vocab_size, ...).",
            scalar.Range)
        {
            Data = suggestions.Count > 0 ? new Dictionary<string, string> { ["suggestion"] = suggestions[0] } : new Dictionary<string, string>(),
        });
        return null;
    }

    private static ModelChoice? BindModelFolder(PropertyNode source, BindingOptions options, List<Diagnostic> diagnostics)
    {
        if (source.Value is not ScalarNode { Kind: not ScalarKind.Null } scalar || scalar.Value.Length == 0)
            return null;
        var folder = ResolvePath(scalar.Value, options);
        var result = HuggingFaceConfigReader.ReadFolder(folder, options.Files);
        if (result.Success)
            return new ModelChoice
            {
                Id = scalar.Value,
                Architecture = result.Architecture!,
                Stored = QuantizationConfigReader.ReadFolder(folder, options.Files),
                Origin = new ModelOrigin(ModelSourceKind.Folder, Path.Combine(folder, HuggingFaceConfigReader.ConfigFileName)),
            };
        diagnostics.Add(Diagnostic.Error(DiagnosticCodes.ModelPathUnreadable,
            $"Cannot read the model at `{scalar.Value}` ({folder}): {string.Join("; ", result.Errors)}. Point `model.path` at a folder with a Hugging Face config.json.",
            scalar.Range));
        return null;
    }

    private static ModelChoice? BindInlineArchitecture(PropertyNode source, List<Diagnostic> diagnostics)
    {
        if (source.Value is not MappingNode mapping)
            return null;
        var result = HuggingFaceConfigReader.Read(ToJson(mapping));
        if (result.Success)
            return new ModelChoice { Id = "inline architecture", Architecture = result.Architecture!, Origin = new ModelOrigin(ModelSourceKind.Inline, "model.architecture") };
        diagnostics.Add(Diagnostic.Error(DiagnosticCodes.InvalidArchitecture,
            $"`model.architecture` is incomplete: {string.Join("; ", result.Errors)}. It takes the keys of a Hugging Face config.json.",
            source.Key.Range));
        return null;
    }

    private static DataChoice BindData(ConfigSyntaxTree tree, MappingNode? data, BindingOptions options, List<Diagnostic> diagnostics)
    {
        var train = String(data, "train");
        var eval = String(data, "eval");
        long? examples = NullableLong(data, "num_examples") is > 0 and var n ? n : null;
        double? meanTokens = NullableDouble(data, "mean_tokens_per_example") is > 0 and var m ? m : null;
        string? trainPath = train is null ? null : ResolvePath(train, options);
        LengthProfile? lengths = null;
        if (trainPath is not null)
        {
            // Read even when both counts are stated: the lengths decide the padding of unpacked batches.
            var statistics = DataFileStatistics.TryRead(trainPath, options.Files, out var error);
            if (statistics is null && (examples is null || meanTokens is null))
            {
                diagnostics.Add(Diagnostic.Warning(DiagnosticCodes.DataFileUnreadable,
                    $"Cannot read `data.train` ({trainPath}): {error}. The runtime estimate needs it, or `data.num_examples` and `data.mean_tokens_per_example`.",
                    tree.RangeOf("data.train")));
            }
            else if (statistics is not null)
            {
                examples ??= statistics.Examples;
                meanTokens ??= statistics.MeanTokens;
                lengths = statistics.Lengths;
            }
        }
        return new DataChoice
        {
            TrainPath = trainPath,
            EvalPath = eval is null ? null : ResolvePath(eval, options),
            NumExamples = examples,
            MeanTokensPerExample = meanTokens,
            Lengths = lengths,
        };
    }

    private static string ResolvePath(string path, BindingOptions options)
    {
        if (Path.IsPathRooted(path) || options.DocumentPath is null)
            return Path.GetFullPath(path);
        return Path.GetFullPath(Path.Combine(Path.GetDirectoryName(options.DocumentPath) ?? ".", path));
    }

    /// <summary>The inline architecture as config.json, with YAML scalars typed as JSON would type them.</summary>
    private static JsonObject ToJson(MappingNode mapping)
    {
        var json = new JsonObject();
        foreach (var property in mapping.Properties)
        {
            if (property.Value is ScalarNode scalar)
            {
                json[property.Key.Value] = scalar.Kind switch
                {
                    ScalarKind.Null => null,
                    ScalarKind.Boolean => JsonValue.Create(scalar.AsBoolean()),
                    ScalarKind.Integer => JsonValue.Create(scalar.AsInteger()),
                    ScalarKind.Float => JsonValue.Create(scalar.AsNumber()),
                    _ => JsonValue.Create(scalar.Value),
                };
            }
        }
        return json;
    }
}
