using LspFineTune.Core.Diagnostics;
using LspFineTune.Core.Dialects.Accelerate;
using LspFineTune.Core.Dialects.DeepSpeed;
using LspFineTune.Core.Dialects.HuggingFace;
using LspFineTune.Core.Editing;
using LspFineTune.Core.Planning;
using LspFineTune.Core.Schema;
using LspFineTune.Core.Syntax;

namespace LspFineTune.Core.Dialects.Trl;

/// <summary>
/// TRL and Hugging Face Trainer YAML (huggingface/trl@f2cd577, transformers@00349ae): the flat HfArgumentParser files
/// of <c>trl sft|dpo|grpo|kto|reward|rloo --config</c> and of the alignment-handbook and open-r1 recipes. Recognised by
/// <c>model_name_or_path</c> with a TrainingArguments key, and none of LLaMA-Factory's own keys. The trainer is inferred
/// (<see cref="TrlTrainers"/>); the GPUs come from the accelerate keys the <c>trl</c> CLI forwards, else the modeline.
/// </summary>
public sealed class TrlDialect : IConfigDialect
{
    public static TrlDialect Instance { get; } = new();

    private static readonly DialectSchemaResource SchemaFile = new("trl");

    /// <summary>TrainingArguments keys (transformers@00349ae training_args.py) that only a training run sets. A file with
    /// <c>model_name_or_path</c> and none of them is not a training config: open-r1's <c>recipes/dataset_filtering/*</c>
    /// configure vLLM generation for pass-rate filtering (<c>scripts/pass_rate_filtering/compute_pass_rate.py</c>: no
    /// optimizer, batch or output directory), so they are deliberately left alone.</summary>
    private static readonly string[] TrainingKeys =
    [
        "per_device_train_batch_size", "gradient_accumulation_steps", "learning_rate", "num_train_epochs", "max_steps",
        "output_dir", "lr_scheduler_type", "warmup_steps", "warmup_ratio", "optim", "gradient_checkpointing", "bf16",
        "fp16", "deepspeed", "fsdp", "save_strategy", "logging_steps", "weight_decay", "do_train", "use_peft",
    ];

    /// <summary>LLaMA-Factory's own keys (hiyouga/LLaMA-Factory@ff6d4d1 hparams): its files share the HF keys.</summary>
    private static readonly string[] LlamaFactoryKeys = ["stage", "finetuning_type", "template", "cutoff_len"];

    public string Id => "trl";

    public string DisplayName => "TRL / HF Trainer";

    public string Recognition => "`model_name_or_path` with a TrainingArguments key (`learning_rate`, `per_device_train_batch_size`, `output_dir`, ...), without LLaMA-Factory's `stage`/`finetuning_type`/`template`/`cutoff_len` or axolotl's `base_model`";

    public string Upstream => "huggingface/trl@f2cd577, transformers@00349ae";

    public SchemaValidator? Schema => SchemaFile.Validator;

    public SchemaDocumentation? Documentation => SchemaFile.Documentation;

    public IDialectVocabulary Vocabulary => TrlVocabulary.Instance;

    public string? ClaimByContent(DocumentContext document)
    {
        var keys = document.TopLevelKeys;
        if (keys.Contains("base_model") || LlamaFactoryKeys.Any(keys.Contains))
            return null;
        return document.HasKeys("model_name_or_path", TrainingKeys);
    }

    public string? ClaimByFileName(string fileName) => null;

    /// <summary>HfArgumentParser refuses what no dataclass declares (TrlParser: "Unknown arguments from config file"; the
    /// <c>trl</c> CLI forwards them to <c>accelerate launch</c>, whose parser refuses what it does not know), so an unknown
    /// key stays an error. The older spellings are TrlRules' (a warning with the rename), not the schema's.</summary>
    public IReadOnlyList<Diagnostic> ReviewSchemaFindings(DocumentContext document, IReadOnlyList<Diagnostic> findings)
    {
        var root = document.Tree.RootMapping;
        var older = root?.Properties.Where(p => TrlRules.OlderSpellings.ContainsKey(p.Key.Value)).ToList() ?? [];
        var kept = findings.Where(f => !older.Any(p => p.Range.Contains(f.Range.Start))).Select(f => OtherFrameworksName(root, f)).ToList();
        return SchemaFindingsReview.Review(document, kept, SchemaFile.Annotations, "TRL", unknownKeys: UnknownKeyPolicy.Refused)
            .Where(d => !(d.Code is DiagnosticCodes.DeprecatedKey or DiagnosticCodes.RemovedKey && older.Any(p => p.Range.Contains(d.Range.Start))))
            .ToList();
    }

    /// <summary>An unknown key that is another framework's name for a TRL key gets TRL's name as its did-you-mean.</summary>
    private static Diagnostic OtherFrameworksName(MappingNode? root, Diagnostic finding)
    {
        if (finding.Code != DiagnosticCodes.UnknownKey || root?.Properties.FirstOrDefault(p => p.Key.Range == finding.Range) is not { } property
            || !TrlSpellings.FromOtherFrameworks.TryGetValue(property.Key.Value, out var spelling) || root.Find(spelling.TrlKey) is not null)
            return finding;
        return finding with
        {
            Message = $"Unknown key `{property.Key.Value}` in the top level. Did you mean `{spelling.TrlKey}`? `{property.Key.Value}` is {spelling.Whose}.",
            Data = new Dictionary<string, string>(finding.Data) { ["suggestion"] = spelling.TrlKey },
        };
    }

    public DialectBinding Bind(DocumentContext document, BindingOptions options) => TrlBinder.Bind(document, options);

    public IReadOnlyList<PlanChange> SaverOptions(DialectBinding binding) =>
        binding.Plan is { } plan && binding is TrlBinding trl
            ? TrainerSavers.TrlOptions(plan, trl.Trainer.Trainer == TrlTrainer.Sft, trl.Trainer.Trainer is TrlTrainer.Sft or TrlTrainer.Dpo or TrlTrainer.Kto or TrlTrainer.Reward)
            : [];

    /// <summary>FSDP (<c>fsdp:</c> or an FSDP preset) holds the sharding where ZeRO cannot be written, a launch file that
    /// shards takes what its plugin can express; a TRL preset has no offload variants, so offload is not written beside one.</summary>
    public IReadOnlySet<PlanField> Unwritable(DialectBinding binding)
    {
        var trl = (TrlBinding)binding;
        if (trl.AcceleratePreset is not null && trl.DeepSpeed is null && !trl.UsesFsdp)
            return new HashSet<PlanField> { PlanField.OffloadOptimizer, PlanField.OffloadParams };
        return AccelerateWriter.UnwritableSharding(trl);
    }

    /// <summary>The modeline; a GPU count that came from the accelerate file is written there (<c>num_processes</c>).</summary>
    public IReadOnlyList<FileEdit> WriteHardware(DialectBinding binding, string gpuId, int? gpusPerNode) =>
        AccelerateWriter.WriteHardware((TrlBinding)binding, gpuId, gpusPerNode);

    public IReadOnlyList<FileEdit> Write(DialectBinding binding, IReadOnlyList<PlanChange> changes)
    {
        var trl = (TrlBinding)binding;
        if (binding.Document.Tree.RootMapping is not { } root || binding.Plan is not { } plan)
            return [];
        // Where the accelerate file shards the run, its keys take the changes it holds (fsdp_offload_params, zero_stage, ...).
        var edits = new List<FileEdit>();
        changes = AccelerateWriter.WriteSharding(trl.LaunchSharding, plan, changes, trl.WorkspaceFolder, edits);
        var byField = changes.ToDictionary(c => c.Field, c => c.Value);
        var keys = changes.SelectMany(c => TrainingArgumentsWriter.Changes(root, c) ?? []).ToList();
        foreach (var change in changes)
        {
            if (change.Value is LossChoice loss)
            {
                var liger = loss.Kernel == LossKernel.LigerFused;
                keys.Add(new("use_liger_kernel", liger));
                // sft_config.py: chunked_nll is "not compatible with use_liger_kernel"; unset it picks nll itself.
                if (liger && SyntaxReader.String(root, "loss_type") == "chunked_nll")
                    keys.Add(new("loss_type", "nll"));
            }
            else if (change.Value is ActivationOffload offload)
            {
                keys.Add(new("activation_offloading", offload != ActivationOffload.None));
            }
        }
        if (byField.ContainsKey(PlanField.Method) || byField.ContainsKey(PlanField.Quantization))
            keys.AddRange(PeftChanges(root, plan, byField));
        if (trl.LaunchSharding is null && DeepSpeedWriter.TargetOf(byField, plan.DeepSpeed) is { } target)
            edits.AddRange(ShardingEdits(trl, target));
        return TrainingArgumentsWriter.WithDocumentEdits(edits, binding.Document.Tree, keys);
    }

    /// <summary>ZeRO where the file keeps it: the DeepSpeed JSON <c>deepspeed:</c> names (edited, or created when there is
    /// none), or, in a file that picks a TRL accelerate preset, the preset for the stage (<c>accelerate_config: zero3</c>).</summary>
    private static IEnumerable<FileEdit> ShardingEdits(TrlBinding trl, DeepSpeedWriter.Target target)
    {
        if (trl.UsesFsdp)
            return [];
        if (trl.AcceleratePreset is not null && trl.DeepSpeed is null)
        {
            if (target.OffloadOptimizer != OffloadTarget.None || target.OffloadParams != OffloadTarget.None)
                return [];
            var key = trl.Document.Tree.RootMapping!.Find("accelerate_config")!;
            var scalar = (ScalarNode)key.Value;
            return [new FileEdit(null, [new TextEdit(scalar.Range, scalar.InSameQuotes(TrlAcceleratePresets.ForStage(target.Stage).Name))])];
        }
        // TRL ships no DeepSpeed JSON presets: a preset path the key names is switched within its own framework.
        return DeepSpeedWriter.Write(trl.Document, trl.DeepSpeed, "deepspeed", framework: null, target, trl.WorkspaceFolder);
    }

    /// <summary>LoRA or QLoRA in ModelConfig's keys: <c>use_peft</c>, <c>load_in_4bit</c>, and the lora_* settings the plan
    /// assumed when they are not written (TRL's defaults r 16, alpha 32; all linear layers as the plan's LoRA targets).</summary>
    private static IEnumerable<ConfigChange> PeftChanges(MappingNode root, TrainingPlan plan, IReadOnlyDictionary<PlanField, object> changed)
    {
        var method = changed.TryGetValue(PlanField.Method, out var m) ? (FineTuneMethod)m : plan.Method.Type;
        var quantization = changed.TryGetValue(PlanField.Quantization, out var q) ? (Quantization)q : plan.Model.Quantization;
        bool True(string key) => (root.Find(key)?.Value as ScalarNode)?.AsBoolean() == true;
        if (method == FineTuneMethod.Full)
        {
            yield return new ConfigChange("use_peft", false);
            foreach (var key in new[] { "load_in_4bit", "load_in_8bit" }.Where(True))
                yield return new ConfigChange(key, false);
            yield break;
        }
        if (method != FineTuneMethod.Lora)
            yield break;
        yield return new ConfigChange("use_peft", true);
        if (quantization == Quantization.Nf4)
            yield return new ConfigChange("load_in_4bit", true);
        if (quantization == Quantization.Int8)
            yield return new ConfigChange("load_in_8bit", true);
        if (quantization != Quantization.Int8 && True("load_in_8bit"))
            yield return new ConfigChange("load_in_8bit", false);
        if (quantization != Quantization.Nf4 && True("load_in_4bit"))
            yield return new ConfigChange("load_in_4bit", false);
        var lora = plan.Method.Lora;
        if (root.Find("lora_r") is null)
            yield return new ConfigChange("lora_r", lora.Rank);
        if (root.Find("lora_alpha") is null)
            yield return new ConfigChange("lora_alpha", (int)lora.Alpha);
        if (root.Find("lora_target_modules") is null && lora.AllLinear)
            yield return new ConfigChange("lora_target_modules", PeftTargets.AllLinear);
    }
}
