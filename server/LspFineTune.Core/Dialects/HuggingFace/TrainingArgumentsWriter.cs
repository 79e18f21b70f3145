using LspFineTune.Core.Editing;
using LspFineTune.Core.Planning;
using LspFineTune.Core.Syntax;

namespace LspFineTune.Core.Dialects.HuggingFace;

/// <summary>
/// Plan changes as the <c>TrainingArguments</c> keys <see cref="TrainingArgumentsReader"/> reads (transformers@00349ae
/// <c>training_args.py</c>), for every config that passes them to the Trainer under their own names (TRL, LLaMA-Factory):
/// the per-device batch, accumulation, checkpointing, <c>optim</c>, <c>bf16</c>/<c>fp16</c>, and the model's
/// <c>attn_implementation</c>. Other fields are the dialect's own (null).
/// </summary>
public static class TrainingArgumentsWriter
{
    public static IReadOnlyList<ConfigChange>? Changes(MappingNode root, PlanChange change) => change.Field switch
    {
        PlanField.MicroBatchSize => [new("per_device_train_batch_size", change.Value)],
        PlanField.GradientAccumulationSteps => [new("gradient_accumulation_steps", change.Value)],
        PlanField.GradientCheckpointing => [new("gradient_checkpointing", change.Value)],
        PlanField.Optimizer => [new("optim", TransformersSpellings.Optimizer((OptimizerType)change.Value))],
        PlanField.Attention => [new("attn_implementation", TransformersSpellings.Attention((AttentionKind)change.Value))],
        // fp16 is written only when it is turned on, or to turn off an fp16 the file has.
        PlanField.Dtype => (WeightDtype)change.Value is var dtype && (dtype == WeightDtype.Fp16 || SyntaxReader.Bool(root, "fp16", false))
            ? [new("bf16", dtype == WeightDtype.Bf16), new("fp16", dtype == WeightDtype.Fp16)]
            : [new("bf16", dtype == WeightDtype.Bf16)],
        _ => null,
    };

    /// <summary>The document's own key edits added to the edits a writer already has (one edit list per file: the
    /// DeepSpeed writer may have put a new <c>deepspeed:</c> key into the document).</summary>
    public static IReadOnlyList<FileEdit> WithDocumentEdits(IReadOnlyList<FileEdit> edits, ConfigSyntaxTree tree, IReadOnlyList<ConfigChange> keys)
    {
        if (keys.Count == 0 || ConfigEditor.ToTextEdits(tree, keys) is not { Count: > 0 } own)
            return edits;
        return edits.Any(e => e.FilePath is null)
            ? edits.Select(e => e.FilePath is null ? e with { Edits = [.. e.Edits, .. own] } : e).ToList()
            : [.. edits, new FileEdit(null, own)];
    }
}
