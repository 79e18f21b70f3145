using LspFineTune.Core.Dialects.Accelerate;
using LspFineTune.Core.Dialects.DeepSpeed;
using LspFineTune.Core.Dialects.HuggingFace;
using LspFineTune.Core.Editing;
using LspFineTune.Core.Planning;
using LspFineTune.Core.Schema;
using LspFineTune.Core.Syntax;
using static LspFineTune.Core.Planning.SyntaxReader;

namespace LspFineTune.Core.Dialects.LlamaFactory;

/// <summary>
/// LLaMA-Factory's classic YAML (hiyouga/LLaMA-Factory@ff6d4d1, <c>llamafactory-cli train cfg.yaml</c>): recognised by
/// <c>model_name_or_path</c> with <c>stage</c>, <c>finetuning_type</c>, <c>template</c> or <c>cutoff_len</c> (a TRL or
/// Hugging Face Trainer YAML has <c>model_name_or_path</c> but none of those). Its example folders also hold inference
/// and export files (<c>examples/inference</c>, <c>examples/merge_lora</c>: <c>model_name_or_path</c> + <c>template</c>):
/// they are claimed, validated against the same argument dataclasses, and get one information that they train nothing
/// instead of an estimate. Its special-tokens file (<c>tokens_cfg.yaml</c>, no model) is left alone. Unknown keys are
/// refused (HfArgumentParser), hardware lives in the <c># lft:</c> modeline, ZeRO in the DeepSpeed JSON
/// <c>deepspeed:</c> names (its 7 shipped presets resolve by name).
/// </summary>
public sealed class LlamaFactoryDialect : IConfigDialect
{
    public static LlamaFactoryDialect Instance { get; } = new();

    /// <summary>Keys that, beside <c>model_name_or_path</c>, only LLaMA-Factory has (all 66 of its example configs
    /// with a model have <c>template</c>; the training ones also <c>stage</c>, <c>finetuning_type</c> and <c>cutoff_len</c>).</summary>
    private static readonly string[] SecondKeys = ["stage", "finetuning_type", "template", "cutoff_len"];

    /// <summary>How LLaMA-Factory answers a key its dataclasses lack (parser.py 149-161, HfArgumentParser.parse_dict),
    /// and the string fields it splits at commas that take a list as well (finetuning_args.py 580-592 <c>split_arg</c>).</summary>
    private static readonly LlamaFactorySchema SchemaFile = new("llamafactory", "LLaMA-Factory",
        "(HfArgumentParser: \"Some keys are not used by the HfArgumentParser\"; ALLOW_EXTRA_ARGS=1 in the environment lets it ignore them.)",
        ["lora_target", "oft_target", "additional_target", "freeze_trainable_modules", "freeze_extra_modules", "galore_target", "apollo_target"]);

    public string Id => "llamafactory";

    public string DisplayName => "LLaMA-Factory";

    public string Recognition => "`model_name_or_path` with `stage`, `finetuning_type`, `template` or `cutoff_len`";

    public string Upstream => "hiyouga/LLaMA-Factory@ff6d4d1";

    public SchemaValidator? Schema => SchemaFile.Validator;

    public SchemaDocumentation? Documentation => SchemaFile.Documentation;

    public IDialectVocabulary Vocabulary => LlamaFactoryVocabulary.Instance;

    public IReadOnlyList<Diagnostics.Diagnostic> ReviewSchemaFindings(DocumentContext document, IReadOnlyList<Diagnostics.Diagnostic> findings) =>
        SchemaFile.Review(document, findings);

    public string? ClaimByContent(DocumentContext document) => document.HasKeys("model_name_or_path", SecondKeys);

    public string? ClaimByFileName(string fileName) => null;

    public DialectBinding Bind(DocumentContext document, BindingOptions options) => LlamaFactoryBinder.Bind(document, options);

    /// <summary>A config sharded with transformers' <c>fsdp</c> has no ZeRO stage to write; a launch file that shards
    /// takes what its plugin can express.</summary>
    public IReadOnlySet<PlanField> Unwritable(DialectBinding binding) =>
        AccelerateWriter.UnwritableSharding((TrainerBinding)binding);

    /// <summary>The modeline; a GPU count that came from the accelerate config is written there (<c>num_processes</c>).</summary>
    public IReadOnlyList<FileEdit> WriteHardware(DialectBinding binding, string gpuId, int? gpusPerNode) =>
        AccelerateWriter.WriteHardware((TrainerBinding)binding, gpuId, gpusPerNode);

    public IReadOnlyList<PlanChange> SaverOptions(DialectBinding binding) =>
        binding.Document.Tree.RootMapping is { } root && binding.Plan is { } plan ? TrainerSavers.LlamaFactoryOptions(root, plan) : [];

    public IReadOnlyList<FileEdit> Write(DialectBinding binding, IReadOnlyList<PlanChange> changes)
    {
        var lf = (TrainerBinding)binding;
        var root = binding.Document.Tree.RootMapping;
        if (root is null || binding.Plan is not { } plan)
            return [];
        var keys = new List<ConfigChange>();
        bool True(string key) => Scalar(root, key)?.AsBoolean() == true;
        // Where the accelerate config shards the run, its keys take the changes it holds (fsdp_offload_params, zero_stage, ...).
        var edits = new List<FileEdit>();
        changes = AccelerateWriter.WriteSharding(lf.LaunchSharding, plan, changes, lf.WorkspaceFolder, edits);
        var changed = changes.ToDictionary(c => c.Field, c => c.Value);
        foreach (var change in changes)
        {
            switch (change.Field)
            {
                case PlanField.GradientCheckpointing:
                    // On by default: turning it on undoes disable_gradient_checkpointing; off needs it, and transformers'
                    // own gradient_checkpointing off too.
                    if ((bool)change.Value)
                    {
                        if (root.Find("disable_gradient_checkpointing") is not null)
                            keys.Add(new("disable_gradient_checkpointing", false));
                    }
                    else
                    {
                        keys.Add(new("disable_gradient_checkpointing", true));
                        if (True("gradient_checkpointing"))
                            keys.Add(new("gradient_checkpointing", false));
                    }
                    break;
                case PlanField.Attention:
                    keys.Add(new("flash_attn", LlamaFactorySpellings.FlashAttn((AttentionKind)change.Value)));
                    break;
                case PlanField.LossKernel:
                    keys.Add(new("enable_liger_kernel", ((LossChoice)change.Value).Kernel == LossKernel.LigerFused));
                    break;
                case PlanField.ActivationOffload:
                    keys.Add(new("use_unsloth_gc", (ActivationOffload)change.Value != ActivationOffload.None));
                    break;
                case PlanField.MicroBatchSize or PlanField.GradientAccumulationSteps or PlanField.Optimizer or PlanField.Dtype:
                    keys.AddRange(TrainingArgumentsWriter.Changes(root, change)!);
                    // LLaMA-Factory's own switches that would override the change.
                    if (change.Field == PlanField.Optimizer)
                        keys.AddRange(new[] { "use_galore", "use_apollo" }.Where(True).Select(k => new ConfigChange(k, false)));
                    if (change.Value is WeightDtype dtype && dtype != WeightDtype.Bf16 && True("pure_bf16"))
                        keys.Add(new("pure_bf16", false));
                    break;
            }
        }
        if (changed.ContainsKey(PlanField.Method) || changed.ContainsKey(PlanField.Quantization))
            keys.AddRange(MethodChanges(root, plan, changed));
        if (DeepSpeedWriter.TargetOf(changed, plan.DeepSpeed) is { } target && !lf.UsesFsdp && lf.LaunchSharding is null)
            edits.AddRange(DeepSpeedWriter.Write(binding.Document, lf.DeepSpeed, "deepspeed", "llamafactory", target, lf.WorkspaceFolder));
        return TrainingArgumentsWriter.WithDocumentEdits(edits, binding.Document.Tree, keys);
    }

    /// <summary><c>finetuning_type</c> and <c>quantization_bit</c>: LoRA's own defaults (rank 8, alpha 16, every linear
    /// layer) are what the plan assumed, so nothing else is written.</summary>
    private static IEnumerable<ConfigChange> MethodChanges(MappingNode root, TrainingPlan plan, IReadOnlyDictionary<PlanField, object> changed)
    {
        var method = changed.TryGetValue(PlanField.Method, out var m) ? (FineTuneMethod)m : plan.Method.Type;
        var quantization = changed.TryGetValue(PlanField.Quantization, out var q) ? (Quantization)q : plan.Model.Quantization;
        var current = String(root, "finetuning_type") ?? "lora";
        if (method == FineTuneMethod.Lora && current is not ("lora" or "oft"))
            yield return new ConfigChange("finetuning_type", "lora");
        if (method == FineTuneMethod.Full && current is "lora" or "oft")
            yield return new ConfigChange("finetuning_type", "full");
        var bits = method == FineTuneMethod.Full ? null : quantization switch { Quantization.Nf4 => 4, Quantization.Int8 => (int?)8, _ => null };
        if (bits is { } written)
        {
            yield return new ConfigChange("quantization_bit", written);
            if (String(root, "quantization_method") is { } other && other != "bnb")
                yield return new ConfigChange("quantization_method", "bnb");
        }
        else if (root.Find("quantization_bit") is { Value: ScalarNode { IsNull: false } })
        {
            yield return new ConfigChange("quantization_bit", "null");
        }
    }
}
