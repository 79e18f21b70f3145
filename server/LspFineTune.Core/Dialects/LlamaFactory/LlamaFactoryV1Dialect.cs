using LspFineTune.Core.Dialects.DeepSpeed;
using LspFineTune.Core.Dialects.HuggingFace;
using LspFineTune.Core.Editing;
using LspFineTune.Core.Planning;
using LspFineTune.Core.Schema;
using LspFineTune.Core.Syntax;
using static LspFineTune.Core.Planning.SyntaxReader;

namespace LspFineTune.Core.Dialects.LlamaFactory;

/// <summary>
/// LLaMA-Factory's v1 layout (<c>USE_V1=1 llamafactory-cli sft cfg.yaml</c>, hiyouga/LLaMA-Factory@ff6d4d1
/// <c>src/llamafactory/v1/config/</c>): recognised by <c>model</c> as a string (a hub id; native configs have a
/// <c>model:</c> mapping, torchtune <c>model: {_component_: ...}</c>) with a v1 key such as <c>model_class</c>,
/// <c>train_dataset</c>, <c>micro_batch_size</c> or a plugin block. Its dataset descriptions (<c>data/v1_*_demo.yaml</c>:
/// dataset names at the top level, no <c>model</c>) are left alone; its export file (<c>peft_config.export_dir</c>) is
/// claimed and gets an information instead of an estimate. Unknown keys are refused (HfArgumentParser) unless
/// ALLOW_EXTRA_KEYS=1 is set.
/// </summary>
public sealed class LlamaFactoryV1Dialect : IConfigDialect
{
    public static LlamaFactoryV1Dialect Instance { get; } = new();

    /// <summary>Keys of the v1 dataclasses that no other format puts beside a string <c>model</c>.</summary>
    private static readonly string[] SecondKeys = ["model_class", "train_dataset", "micro_batch_size", "global_batch_size", "peft_config", "dist_config", "quant_config", "kernel_config"];

    /// <summary>v1/config/arg_parser.py 36-61 (HfArgumentParser.parse_dict with ALLOW_EXTRA_KEYS).</summary>
    private static readonly LlamaFactorySchema SchemaFile = new("llamafactory-v1", "LLaMA-Factory v1",
        "(HfArgumentParser: \"Some keys are not used by the HfArgumentParser\"; ALLOW_EXTRA_KEYS=1 in the environment lets it ignore them.)",
        []);

    public string Id => "llamafactory-v1";

    public string DisplayName => "LLaMA-Factory v1";

    public string Recognition => "`model` as a string with `model_class`, `train_dataset`, `micro_batch_size` or a `*_config` plugin block";

    public string Upstream => "hiyouga/LLaMA-Factory@ff6d4d1 (src/llamafactory/v1)";

    public SchemaValidator? Schema => SchemaFile.Validator;

    public SchemaDocumentation? Documentation => SchemaFile.Documentation;

    public IDialectVocabulary Vocabulary => LlamaFactoryV1Vocabulary.Instance;

    public IReadOnlyList<Diagnostics.Diagnostic> ReviewSchemaFindings(DocumentContext document, IReadOnlyList<Diagnostics.Diagnostic> findings) =>
        SchemaFile.Review(document, findings);

    public string? ClaimByContent(DocumentContext document)
    {
        if (document.Tree.RootMapping?.Find("model")?.Value is not ScalarNode { IsNull: false, Value.Length: > 0 })
            return null;
        return SecondKeys.FirstOrDefault(document.TopLevelKeys.Contains) is { } second ? $"has `model` (a string) and `{second}`" : null;
    }

    public string? ClaimByFileName(string fileName) => null;

    public DialectBinding Bind(DocumentContext document, BindingOptions options) => LlamaFactoryV1Binder.Bind(document, options);

    /// <summary>The optimizer is a plugin (<c>optim_config</c>) with no 8-bit or Adafactor spelling, and the precision is
    /// bf16 or fp32 only; ZeRO is writable only into the DeepSpeed JSON that <c>dist_config.config_file</c> names.</summary>
    public IReadOnlySet<PlanField> Unwritable(DialectBinding binding)
    {
        var fields = new HashSet<PlanField> { PlanField.Optimizer, PlanField.Dtype };
        if (((TrainerBinding)binding).DeepSpeed?.Settings is null)
            fields.UnionWith([PlanField.ZeroStage, PlanField.OffloadOptimizer, PlanField.OffloadParams]);
        return fields;
    }

    public IReadOnlyList<FileEdit> WriteHardware(DialectBinding binding, string gpuId, int? gpusPerNode) =>
        ModelineWriter.SetHardware(binding.Document, gpuId, gpusPerNode);

    public IReadOnlyList<FileEdit> Write(DialectBinding binding, IReadOnlyList<PlanChange> changes)
    {
        var lf = (TrainerBinding)binding;
        var root = binding.Document.Tree.RootMapping;
        if (root is null || binding.Plan is not { } plan)
            return [];
        var keys = new List<ConfigChange>();
        var changed = changes.ToDictionary(c => c.Field, c => c.Value);
        var micro = changed.TryGetValue(PlanField.MicroBatchSize, out var m) ? (int)m : plan.Training.MicroBatchSize;
        foreach (var change in changes)
        {
            switch (change.Field)
            {
                case PlanField.GradientCheckpointing:
                    keys.Add(new("enable_activation_checkpointing", change.Value));
                    break;
                case PlanField.MicroBatchSize:
                    keys.Add(new("micro_batch_size", change.Value));
                    break;
                case PlanField.GradientAccumulationSteps:
                    // Accumulation is global_batch_size / (data-parallel GPUs x micro_batch_size).
                    var dataParallel = Math.Max(1, plan.Hardware.TotalGpus / Math.Max(1, Int(root, "cp_size", 1)));
                    keys.Add(new("global_batch_size", (int)change.Value * micro * (NullableLong(root, "dp_size") is > 0 and var dp ? (int)dp : dataParallel)));
                    break;
                case PlanField.Attention:
                    keys.Add(new("flash_attn", TransformersSpellings.Attention((AttentionKind)change.Value)));
                    break;
            }
        }
        if (changed.TryGetValue(PlanField.Method, out var method))
        {
            if ((FineTuneMethod)method == FineTuneMethod.Full)
                keys.Add(new("peft_config", "null"));
            else if (Section(root, "peft_config") is not null)
                keys.Add(new("peft_config.name", "lora"));
            else
                keys.Add(new("peft_config", "{name: lora, r: 8, lora_alpha: 16, target_modules: all}"));
        }
        if (changed.TryGetValue(PlanField.Quantization, out var quantization))
        {
            var bits = (Quantization)quantization switch { Quantization.Nf4 => 4, Quantization.Int8 => (int?)8, _ => null };
            if (bits is null)
                keys.Add(new("quant_config", "null"));
            else if (Section(root, "quant_config") is not null)
                keys.Add(new("quant_config.quantization_bit", bits.Value));
            else
                keys.Add(new("quant_config", $"{{name: bnb, quantization_bit: {bits}}}"));
        }
        IReadOnlyList<FileEdit> edits = [];
        if (DeepSpeedWriter.TargetOf(changed, plan.DeepSpeed) is { } target && lf.DeepSpeed?.Settings is not null)
            edits = DeepSpeedWriter.Write(binding.Document, lf.DeepSpeed, "dist_config.config_file", "llamafactory", target, lf.WorkspaceFolder);
        return TrainingArgumentsWriter.WithDocumentEdits(edits, binding.Document.Tree, keys);
    }
}
