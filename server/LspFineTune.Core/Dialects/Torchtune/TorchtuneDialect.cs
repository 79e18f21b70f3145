using LspFineTune.Core.Advice;
using LspFineTune.Core.Editing;
using LspFineTune.Core.Planning;
using LspFineTune.Core.Schema;
using LspFineTune.Core.Syntax;
using LspFineTune.Core.Text;

namespace LspFineTune.Core.Dialects.Torchtune;

/// <summary>
/// torchtune recipe configs (pytorch/torchtune@bd2a0fc): recognised by a <c>_component_</c> in the top-level
/// <c>model</c>, <c>tokenizer</c> or <c>checkpointer</c> section (a native <c>model:</c> has name/path/architecture, never
/// <c>_component_</c>). torchtune has no schema: the components' signatures, the builders' architectures and the recipes
/// come from <c>Data/torchtune.json</c>. The recipe and GPU count come from the modeline or the <c>tune run</c> header
/// comment. Evaluation, generation and quantization configs (19 of the 198 upstream ones) are claimed too, so their
/// components get torchtune's own check, but get no estimate: they run no training step.
/// </summary>
public sealed class TorchtuneDialect : IConfigDialect
{
    public static TorchtuneDialect Instance { get; } = new();

    private static readonly string[] Sections = ["model", "tokenizer", "checkpointer"];

    public string Id => "torchtune";

    public string DisplayName => "torchtune";

    public string Recognition => "a `_component_` key in the top-level `model`, `tokenizer` or `checkpointer` mapping";

    public string Upstream => TorchtuneComponents.Default.Upstream;

    public SchemaValidator? Schema => null;

    /// <summary>No static documentation: the keys depend on the recipe and the components (<see cref="DocumentationFor"/>).</summary>
    public SchemaDocumentation? Documentation => null;

    public SchemaDocumentation? DocumentationFor(DialectBinding binding) =>
        binding is TorchtuneBinding torchtune ? TorchtuneDocumentation.For(torchtune) : null;

    public IDialectVocabulary Vocabulary => TorchtuneVocabulary.Instance;

    public IReadOnlyList<Diagnostics.Diagnostic> ReviewSchemaFindings(DocumentContext document, IReadOnlyList<Diagnostics.Diagnostic> findings) => findings;

    public string? ClaimByContent(DocumentContext document)
    {
        var root = document.Tree.RootMapping;
        foreach (var section in Sections)
        {
            if (root?.Find(section)?.Value is MappingNode mapping && mapping.Find("_component_") is not null)
                return $"has `{section}._component_`";
        }
        return null;
    }

    public string? ClaimByFileName(string fileName) => null;

    public DialectBinding Bind(DocumentContext document, BindingOptions options)
    {
        var binding = TorchtuneBinder.Bind(document, options);
        // Did-you-mean findings carry their fix, as schema findings do in the dialects that have a schema.
        return new TorchtuneBinding
        {
            Document = binding.Document,
            Plan = binding.Plan,
            Provenance = binding.Provenance,
            Diagnostics = SuggestionFixes.Attach(document.Tree, binding.Diagnostics).ToList(),
            Builder = binding.Builder,
            Recipe = binding.Recipe,
            Distributed = binding.Distributed,
        };
    }

    /// <summary>
    /// ZeRO stages and attention have no key in torchtune (distributed recipes always shard fully with FSDP2; torchtune
    /// picks SDPA or flex attention itself). Full fine-tuning versus LoRA is the recipe's choice on the command line, not
    /// only the builder's, so the method is not written. The base precision is written only where the model has the
    /// other builder (qlora_/lora_); CPU offload only for distributed recipes (<c>fsdp_cpu_offload</c>).
    /// </summary>
    public IReadOnlySet<PlanField> Unwritable(DialectBinding binding)
    {
        var torchtune = (TorchtuneBinding)binding;
        var fields = new HashSet<PlanField> { PlanField.ZeroStage, PlanField.Attention, PlanField.Method };
        var data = TorchtuneComponents.Default;
        var writesQuantizeBase = binding.Document.Tree.FindProperty("model.quantize_base") is not null;
        if (binding.Plan?.Method.Type != FineTuneMethod.Lora || torchtune.Builder is not { } builder
            || !(writesQuantizeBase || (binding.Plan.Model.Quantization == Quantization.Nf4 ? data.Variant(builder, "lora_") : data.Variant(builder, "qlora_")) is not null))
            fields.Add(PlanField.Quantization);
        if (!torchtune.Distributed)
        {
            fields.Add(PlanField.OffloadOptimizer);
            fields.Add(PlanField.OffloadParams);
        }
        return fields;
    }

    public IReadOnlyList<FileEdit> WriteHardware(DialectBinding binding, string gpuId, int? gpusPerNode) =>
        ModelineWriter.SetHardware(binding.Document, gpuId, gpusPerNode);

    public IReadOnlyList<PlanChange> SaverOptions(DialectBinding binding) =>
        binding.Document.Tree.RootMapping is { } root && binding.Plan is { } plan ? TorchtuneSavers.Options(root, plan) : [];

    public IReadOnlyList<FileEdit> Write(DialectBinding binding, IReadOnlyList<PlanChange> changes)
    {
        var torchtune = (TorchtuneBinding)binding;
        var tree = binding.Document.Tree;
        var root = tree.RootMapping;
        if (root is null || binding.Plan is not { } plan)
            return [];
        var unwritable = Unwritable(binding);
        if (changes.Any(c => unwritable.Contains(c.Field)))
            return [];
        var result = PlanChanges.Apply(plan, changes);
        // A change torchtune would refuse is not written: fp16, or accumulation with the optimizer step in backward.
        var inBackward = (root.Find("optimizer_in_bwd")?.Value as ScalarNode)?.AsBoolean() == true
            && (torchtune.Recipe is not { Keys.Count: > 0 } recipe || recipe.Keys.ContainsKey("optimizer_in_bwd"));
        if (result.Model.Dtype == WeightDtype.Fp16 || (inBackward && result.Training.GradientAccumulationSteps > 1))
            return [];
        var keys = new List<ConfigChange>();
        var removed = new List<PropertyNode>();
        foreach (var change in changes)
        {
            switch (change.Field)
            {
                case PlanField.GradientCheckpointing:
                    keys.Add(new("enable_activation_checkpointing", (bool)change.Value ? "True" : "False"));
                    break;
                case PlanField.MicroBatchSize:
                    keys.Add(new("batch_size", change.Value));
                    break;
                case PlanField.GradientAccumulationSteps:
                    keys.Add(new("gradient_accumulation_steps", change.Value));
                    break;
                case PlanField.Dtype:
                    keys.Add(new("dtype", TorchtuneVocabulary.Dtype((WeightDtype)change.Value)));
                    break;
                case PlanField.Optimizer:
                    var path = TorchtuneVocabulary.Optimizer((OptimizerType)change.Value);
                    keys.Add(new("optimizer._component_", path));
                    // Arguments the new optimizer does not take (torch's `fused: True`) would fail `tune validate`.
                    if (TorchtuneComponents.Default.Find(path)?.Parameters is { } parameters && tree.FindProperty("optimizer")?.Value is MappingNode optimizer)
                        removed.AddRange(optimizer.Properties.Where(p => p.Key.Value != "_component_" && parameters.All(q => q.Name != p.Key.Value)));
                    break;
                case PlanField.Quantization:
                    var nf4 = (Quantization)change.Value == Quantization.Nf4;
                    if (tree.FindProperty("model.quantize_base") is not null)
                        keys.Add(new("model.quantize_base", nf4 ? "True" : "False"));
                    else if (TorchtuneComponents.Default.Variant(torchtune.Builder!, nf4 ? "qlora_" : "lora_") is { } variant)
                        keys.Add(new("model._component_", variant));
                    break;
                case PlanField.LossKernel:
                    keys.Add(new("loss._component_", TorchtuneVocabulary.LossComponent((LossChoice)change.Value)));
                    break;
                case PlanField.ActivationOffload:
                    keys.Add(new("enable_activation_offloading", (ActivationOffload)change.Value == ActivationOffload.None ? "False" : "True"));
                    break;
                case PlanField.OffloadOptimizer or PlanField.OffloadParams:
                    // fsdp_cpu_offload (FSDP2's CPUOffloadPolicy) moves parameters, gradients and the optimizer step together.
                    var both = result.DeepSpeed.OffloadOptimizer == result.DeepSpeed.OffloadParams;
                    if (both && !keys.Any(k => k.Path == "fsdp_cpu_offload"))
                        keys.Add(new("fsdp_cpu_offload", result.DeepSpeed.OffloadParams != OffloadTarget.None ? "True" : "False"));
                    else if (!both)
                        return [];
                    break;
            }
        }
        var edits = keys.Count > 0 ? ConfigEditor.ToTextEdits(tree, keys).ToList() : [];
        foreach (var property in removed)
            edits.Add(new TextEdit(TextRange.FromBounds(property.Key.Range.Start.Line, 0, property.Range.End.Line + 1, 0), ""));
        return edits.Count > 0 ? [new FileEdit(null, edits)] : [];
    }
}
