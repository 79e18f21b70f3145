using LspFineTune.Core.Diagnostics;
using LspFineTune.Core.Planning;
using LspFineTune.Core.Schema;
using LspFineTune.Core.Syntax;

namespace LspFineTune.Core.Dialects.DeepSpeed;

/// <summary>
/// DeepSpeed JSON on its own (deepspeedai/DeepSpeed@edaa722): a mapping with <c>zero_optimization</c>, the batch keys
/// or a <c>bf16</c>/<c>fp16</c> block, and no trainer keys. It names no model, so alone it is validated, not
/// estimated; named from a trainer config (<c>deepspeed: ds.json</c>) it is read as that config's companion.
/// </summary>
public sealed class DeepSpeedDialect : IConfigDialect
{
    public static DeepSpeedDialect Instance { get; } = new();

    private static readonly DialectSchemaResource SchemaFile = new("deepspeed");

    /// <summary>Keys of the trainer formats: a document with one of these is that trainer's config, not a DeepSpeed JSON.</summary>
    private static readonly string[] TrainerKeys = ["base_model", "model_name_or_path", "model", "output_dir", "_component_", "distributed_type"];

    private static readonly string[] Signatures = ["zero_optimization", "train_micro_batch_size_per_gpu", "train_batch_size"];

    public string Id => "deepspeed";

    public string DisplayName => "DeepSpeed JSON";

    public string Recognition => "a JSON object with `zero_optimization`, `train_micro_batch_size_per_gpu`, `train_batch_size`, or `bf16`/`fp16` blocks with `enabled`, and no trainer keys; also as the companion a trainer config names with `deepspeed:`";

    public string Upstream => "deepspeedai/DeepSpeed@edaa722";

    public SchemaValidator? Schema => SchemaFile.Validator;

    public SchemaDocumentation? Documentation => SchemaFile.Documentation;


    public IReadOnlyList<Diagnostics.Diagnostic> ReviewSchemaFindings(DocumentContext document, IReadOnlyList<Diagnostics.Diagnostic> findings) =>
        SchemaFindingsReview.Review(document, findings, SchemaFile.Annotations, "DeepSpeed", refusesNestedUnknownKeys: true);

    public IDialectVocabulary Vocabulary => DeepSpeedVocabulary.Instance;

    public string? ClaimByContent(DocumentContext document)
    {
        var keys = document.TopLevelKeys;
        if (TrainerKeys.Any(keys.Contains))
            return null;
        if (Signatures.FirstOrDefault(keys.Contains) is { } signature)
            return $"has `{signature}`";
        var root = document.Tree.RootMapping;
        foreach (var block in new[] { "bf16", "fp16" })
        {
            if (root?.Find(block)?.Value is MappingNode mapping && mapping.Find("enabled") is not null && keys.Count <= 12)
                return $"has a `{block}` block with `enabled`";
        }
        return null;
    }

    public string? ClaimByFileName(string fileName) => null;

    public DialectBinding Bind(DocumentContext document, BindingOptions options)
    {
        var diagnostics = new List<Diagnostic>();
        if (document.Tree.RootMapping is { } root)
            DeepSpeedRules.Add(DeepSpeedSettings.Read(root), null, diagnostics);
        return new DialectBinding { Document = document, Diagnostics = diagnostics };
    }

    public IReadOnlyList<FileEdit> Write(DialectBinding binding, IReadOnlyList<PlanChange> changes) => [];

    public IReadOnlySet<PlanField> Unwritable(DialectBinding binding) => System.Enum.GetValues<PlanField>().ToHashSet();

    public IReadOnlyList<FileEdit> WriteHardware(DialectBinding binding, string gpuId, int? gpusPerNode) => [];
}

/// <summary>DeepSpeed's own refusals and no-ops that the schema cannot see (runtime/config.py, zero/config.py).</summary>
public static class DeepSpeedRules
{
    /// <param name="file">The companion file the settings came from (its diagnostics are reported there), or null.</param>
    public static void Add(DeepSpeedSettings settings, string? file, List<Diagnostic> diagnostics)
    {
        if (settings.OffloadParams != OffloadTarget.None && settings.Stage.Value is { } stage && stage != 3 && settings.OffloadParamsProperty is { } property)
        {
            diagnostics.Add(Diagnostic.Warning(DiagnosticCodes.OffloadParamsNeedsStage3,
                $"`offload_param` only works with ZeRO stage 3 (this config uses stage {stage}), so DeepSpeed ignores it. Set `\"stage\": 3` or remove it.",
                property.Key.Range) with { FilePath = file });
        }
        if (settings.MicroBatch.Value is { } micro && settings.GradientAccumulation.Value is { } accumulation && settings.TrainBatch.Value is { } train
            && !settings.MicroBatch.IsAuto && !settings.GradientAccumulation.IsAuto && !settings.TrainBatch.IsAuto
            && micro > 0 && accumulation > 0 && train % (micro * accumulation) != 0)
        {
            diagnostics.Add(Diagnostic.Error(DiagnosticCodes.DeepSpeedValueMismatch,
                $"`train_batch_size` {train} must equal `train_micro_batch_size_per_gpu` {micro} x `gradient_accumulation_steps` {accumulation} x the number of GPUs; {train} is not a multiple of {micro * accumulation}, so DeepSpeed refuses it. Give two of the three (or \"auto\").",
                settings.TrainBatch.Property!.Value.Range) with { FilePath = file });
        }
    }
}
