using LspFineTune.Core.Dialects.Accelerate;
using LspFineTune.Core.Dialects.HuggingFace;
using LspFineTune.Core.Dialects.DeepSpeed;
using LspFineTune.Core.Editing;
using LspFineTune.Core.Planning;
using LspFineTune.Core.Schema;
using LspFineTune.Core.Syntax;

namespace LspFineTune.Core.Dialects.Axolotl;

/// <summary>
/// axolotl YAML (axolotl-ai-cloud/axolotl@067b021): recognised by <c>base_model</c> with <c>sequence_len</c>,
/// <c>micro_batch_size</c> or <c>adapter</c>. Hardware lives in the <c># lft:</c> modeline; ZeRO in
/// the DeepSpeed JSON that <c>deepspeed:</c> names.
/// </summary>
public sealed class AxolotlDialect : IConfigDialect
{
    public static AxolotlDialect Instance { get; } = new();

    private static readonly DialectSchemaResource SchemaFile = new("axolotl");

    /// <summary>
    /// Keys that, beside <c>base_model</c>, only a training config has. <c>datasets</c> is not one: Hugging Face model
    /// cards carry <c>base_model</c> and <c>datasets</c> in their front matter. Every one of the 255 axolotl examples
    /// at axolotl@067b021 has one of these.
    /// </summary>
    private static readonly string[] SecondKeys = ["sequence_len", "micro_batch_size", "adapter"];

    public string Id => "axolotl";

    public string DisplayName => "axolotl";

    public string Recognition => "`base_model` with `sequence_len`, `micro_batch_size` or `adapter`";

    public string Upstream => "axolotl-ai-cloud/axolotl@067b021";

    public SchemaValidator? Schema => SchemaFile.Validator;

    public SchemaDocumentation? Documentation => SchemaFile.Documentation;


    public IReadOnlyList<Diagnostics.Diagnostic> ReviewSchemaFindings(DocumentContext document, IReadOnlyList<Diagnostics.Diagnostic> findings) =>
        SchemaFindingsReview.Review(document, findings, SchemaFile.Annotations, "axolotl");

    public IDialectVocabulary Vocabulary => AxolotlVocabulary.Instance;

    public string? ClaimByContent(DocumentContext document) => document.HasKeys("base_model", SecondKeys);

    public string? ClaimByFileName(string fileName) => null;

    public DialectBinding Bind(DocumentContext document, BindingOptions options) => AxolotlBinder.Bind(document, options);

    public IReadOnlyList<PlanChange> SaverOptions(DialectBinding binding) =>
        binding.Document.Tree.RootMapping is { } root && binding.Plan is { } plan ? AxolotlSavers.Options(root, plan) : [];

    /// <summary>axolotl refuses DeepSpeed beside FSDP, so an FSDP config's sharding is not changed into ZeRO.</summary>
    public IReadOnlySet<PlanField> Unwritable(DialectBinding binding) =>
        AccelerateWriter.UnwritableSharding((TrainerBinding)binding);

    /// <summary>The modeline; a GPU count that came from the accelerate config is written there (<c>num_processes</c>).</summary>
    public IReadOnlyList<FileEdit> WriteHardware(DialectBinding binding, string gpuId, int? gpusPerNode) =>
        AccelerateWriter.WriteHardware((TrainerBinding)binding, gpuId, gpusPerNode);

    public IReadOnlyList<FileEdit> Write(DialectBinding binding, IReadOnlyList<PlanChange> changes)
    {
        var axolotl = (TrainerBinding)binding;
        var root = binding.Document.Tree.RootMapping;
        if (root is null || binding.Plan is not { } plan)
            return [];
        var keys = new List<ConfigChange>();
        var edits = new List<FileEdit>();
        bool Written(string key) => root.Find(key) is not null;
        bool True(string key) => (root.Find(key)?.Value as ScalarNode)?.AsBoolean() == true;
        // Where the accelerate config shards the run, its keys take the changes it holds (fsdp_offload_params, zero_stage, ...).
        changes = AccelerateWriter.WriteSharding(axolotl.LaunchSharding, plan, changes, axolotl.WorkspaceFolder, edits);
        var changed = changes.ToDictionary(c => c.Field, c => c.Value);

        foreach (var change in changes)
        {
            switch (change.Field)
            {
                case PlanField.GradientCheckpointing:
                    keys.Add(new("gradient_checkpointing", change.Value));
                    break;
                case PlanField.MicroBatchSize:
                    keys.Add(new("micro_batch_size", change.Value));
                    break;
                case PlanField.GradientAccumulationSteps:
                    // With `batch_size` (micro x accumulation per device) the accumulation follows the micro-batch.
                    if (!(Written("batch_size") && !Written("gradient_accumulation_steps")))
                        keys.Add(new("gradient_accumulation_steps", change.Value));
                    break;
                case PlanField.Attention:
                    keys.AddRange(AttentionChanges(root, (AttentionKind)change.Value));
                    break;
                case PlanField.Optimizer:
                    keys.Add(new("optimizer", TransformersSpellings.Optimizer((OptimizerType)change.Value)));
                    break;
                case PlanField.Dtype:
                    var dtype = (WeightDtype)change.Value;
                    keys.Add(new("bf16", dtype == WeightDtype.Bf16));
                    if (dtype == WeightDtype.Fp16 || True("fp16"))
                        keys.Add(new("fp16", dtype == WeightDtype.Fp16));
                    break;
                case PlanField.Method or PlanField.Quantization:
                    break;
                case PlanField.LossKernel:
                    keys.Add(new("chunked_cross_entropy", ((LossChoice)change.Value).Kernel == LossKernel.Chunked));
                    break;
                case PlanField.ActivationOffload:
                    var offload = (ActivationOffload)change.Value;
                    keys.Add(offload == ActivationOffload.Synchronous ? new ConfigChange("activation_offloading", "legacy") : new ConfigChange("activation_offloading", offload != ActivationOffload.None));
                    break;
            }
        }
        if (changed.ContainsKey(PlanField.Method) || changed.ContainsKey(PlanField.Quantization))
            keys.AddRange(AdapterChanges(root, plan, changed));
        // An FSDP config cannot take ZeRO through DeepSpeed (axolotl refuses both); those changes are not written,
        // nor those the launch file's plugin cannot express.
        if (DeepSpeedWriter.TargetOf(changed, plan.DeepSpeed) is { } target && !axolotl.UsesFsdp && axolotl.LaunchSharding is null)
            edits.AddRange(DeepSpeedWriter.Write(binding.Document, axolotl.DeepSpeed, "deepspeed", "axolotl", target, axolotl.WorkspaceFolder));
        // One edit list per file: merged with the document's edits from the DeepSpeed writer (a new `deepspeed:` key).
        return TrainingArgumentsWriter.WithDocumentEdits(edits, binding.Document.Tree, keys);
    }

    /// <summary>
    /// <c>attn_implementation</c>, or, in a file that still uses the legacy flags (which axolotl refuses beside it),
    /// the flag for the kind, with the other flags turned off.
    /// </summary>
    private static IEnumerable<ConfigChange> AttentionChanges(MappingNode root, AttentionKind kind)
    {
        var legacy = AxolotlSpellings.LegacyAttentionFlags.Where(f => root.Find(f.Key) is not null).ToList();
        if (root.Find("attn_implementation") is not null || legacy.Count == 0)
        {
            yield return new ConfigChange("attn_implementation", TransformersSpellings.Attention(kind));
            yield break;
        }
        var flag = kind switch { AttentionKind.Flash => "flash_attention", AttentionKind.Eager => "eager_attention", _ => "sdp_attention" };
        yield return new ConfigChange(flag, true);
        foreach (var (other, _) in legacy.Where(f => f.Key != flag && (root.Find(f.Key)!.Value as ScalarNode)?.AsBoolean() == true))
            yield return new ConfigChange(other, false);
    }

    /// <summary>LoRA or QLoRA in axolotl's keys: <c>adapter</c>, <c>load_in_4bit</c>, and the lora_* settings the plan assumed.</summary>
    private static IEnumerable<ConfigChange> AdapterChanges(MappingNode root, TrainingPlan plan, IReadOnlyDictionary<PlanField, object> changed)
    {
        var method = changed.TryGetValue(PlanField.Method, out var m) ? (FineTuneMethod)m : plan.Method.Type;
        var quantization = changed.TryGetValue(PlanField.Quantization, out var q) ? (Quantization)q : plan.Model.Quantization;
        if (method != FineTuneMethod.Lora)
            yield break;
        yield return new ConfigChange("adapter", quantization == Quantization.Nf4 ? "qlora" : "lora");
        if (quantization == Quantization.Nf4)
            yield return new ConfigChange("load_in_4bit", true);
        if (quantization == Quantization.Nf4 && (root.Find("load_in_8bit")?.Value as ScalarNode)?.AsBoolean() == true)
            yield return new ConfigChange("load_in_8bit", false);
        if (quantization == Quantization.None && root.Find("load_in_4bit") is not null)
            yield return new ConfigChange("load_in_4bit", false);
        var lora = plan.Method.Lora;
        if (root.Find("lora_r") is null)
            yield return new ConfigChange("lora_r", lora.Rank);
        if (root.Find("lora_alpha") is null)
            yield return new ConfigChange("lora_alpha", (int)lora.Alpha);
        if (root.Find("lora_target_modules") is null && root.Find("lora_target_linear") is null)
            yield return new ConfigChange("lora_target_linear", true);
    }
}
