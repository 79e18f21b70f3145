using LspFineTune.Core.Diagnostics;
using LspFineTune.Core.Planning;
using LspFineTune.Core.Schema;

namespace LspFineTune.Core.Dialects.Accelerate;

/// <summary>
/// An accelerate config on its own (huggingface/accelerate@16cb6eb <c>commands/config/config_args.py</c>), the file
/// <c>accelerate launch --config_file</c> reads: how the run is distributed, over how many processes and machines,
/// with which FSDP or DeepSpeed plugin. It names no model, so alone it is validated and checked, not estimated; a
/// trainer config launched with it reads it as its launch file (<see cref="AccelerateLaunch"/>).
/// </summary>
public sealed class AccelerateDialect : IConfigDialect
{
    public static AccelerateDialect Instance { get; } = new();

    private static readonly DialectSchemaResource SchemaFile = new("accelerate");

    /// <summary>Keys of the trainer formats: a document with one of these is a trainer config, not an accelerate config.</summary>
    private static readonly string[] TrainerKeys = ["base_model", "model_name_or_path", "model", "output_dir", "_component_", "zero_optimization"];

    /// <summary>Beside <c>distributed_type</c> (which every accelerate config has: config_args.py 106 refuses a file
    /// without it), one key of <c>ClusterConfig</c>/<c>BaseConfig</c>; all 59 corpus files have one.</summary>
    private static readonly string[] SecondKeys =
        ["compute_environment", "num_processes", "num_machines", "mixed_precision", "machine_rank", "main_training_function", "fsdp_config", "deepspeed_config", "use_cpu"];

    /// <summary>Block keys the launcher reads from its arguments though no flag declares them (utils/launch.py 331).</summary>
    private static readonly string[] ReadWithoutFlag = ["fsdp_ignored_modules", "ignored_modules"];

    public string Id => "accelerate";

    public string DisplayName => "accelerate config";

    public string Recognition => "`distributed_type` with `compute_environment`, `num_processes`, `num_machines`, `mixed_precision` or a plugin block, and no trainer keys; also as the launch file a trainer config names with `# lft: accelerate=PATH`, the setting lft.accelerateConfig or --accelerate-config";

    public string Upstream => "huggingface/accelerate@16cb6eb";

    public SchemaValidator? Schema => SchemaFile.Validator;

    public SchemaDocumentation? Documentation => SchemaFile.Documentation;

    public IDialectVocabulary Vocabulary => AccelerateVocabulary.Instance;

    public string? ClaimByContent(DocumentContext document)
    {
        if (TrainerKeys.Any(document.TopLevelKeys.Contains))
            return null;
        return document.HasKeys("distributed_type", SecondKeys);
    }

    public string? ClaimByFileName(string fileName) => null;

    /// <summary>accelerate refuses unknown top-level keys (config_args.py 158-165) and copies a block's keys onto launch
    /// flags, where one it does not know is dropped (commands/launch.py 1256-1273): so an unknown key at the top is an
    /// error; in a block (which the schema leaves open) a near miss of a flag is an error with its did-you-mean, any
    /// other unknown key a warning that it has no effect.</summary>
    public IReadOnlyList<Diagnostic> ReviewSchemaFindings(DocumentContext document, IReadOnlyList<Diagnostic> findings)
    {
        var root = document.Tree.RootMapping;
        var reviewed = SchemaFindingsReview.Review(document, findings, SchemaFile.Annotations, "accelerate")
            .Select(d => d.Code == DiagnosticCodes.UnknownKey && root?.Properties.Any(p => p.Key.Range == d.Range) == true
                ? d with { Severity = DiagnosticSeverity.Error, Message = d.Message.Split(" Accelerate ignores")[0] + " `accelerate launch` refuses a file with keys it does not know (\"had unknown keys\")." }
                : d)
            .ToList();
        foreach (var block in root?.Properties ?? [])
        {
            if (block.Value is not Syntax.MappingNode mapping || Documentation?.Find(block.Key.Value) is not { Children.Count: > 0 } section)
                continue;
            var known = section.Children.Select(c => c.Path[(c.Path.LastIndexOf('.') + 1)..]).Concat(ReadWithoutFlag).ToList();
            foreach (var key in mapping.Properties.Where(p => !known.Contains(p.Key.Value) && !reviewed.Any(d => d.Range == p.Key.Range)))
            {
                var suggestion = DidYouMean.Suggest(key.Key.Value, known);
                reviewed.Add(suggestion is not null
                    ? Diagnostic.Error(DiagnosticCodes.UnknownKey, $"Unknown key `{key.Key.Value}` in `{block.Key.Value}`. Did you mean `{suggestion}`? accelerate passes the block's keys on as launch flags and drops one it does not know, so as written this setting has no effect.", key.Key.Range) with
                    {
                        Data = new Dictionary<string, string> { ["suggestion"] = suggestion },
                    }
                    : Diagnostic.Warning(DiagnosticCodes.UnknownKey, $"Unknown key `{key.Key.Value}` in `{block.Key.Value}`: accelerate drops keys it does not know there, so it has no effect.", key.Key.Range));
            }
        }
        return reviewed;
    }

    /// <summary>The file's own rules; its DeepSpeed JSON (<c>deepspeed_config_file</c>) is read and validated. No plan.</summary>
    public DialectBinding Bind(DocumentContext document, BindingOptions options)
    {
        var diagnostics = new List<Diagnostic>();
        if (document.Tree.RootMapping is not { } root)
            return new DialectBinding { Document = document, Diagnostics = diagnostics };
        var deepSpeed = Check(document, new AccelerateSettings(root), options, standalone: true, diagnostics);
        return new DialectBinding
        {
            Document = document,
            Diagnostics = diagnostics,
            Companions = deepSpeed?.Companion is { IsPreset: false } companion ? [companion] : [],
        };
    }

    /// <summary>The file's rules, and its DeepSpeed JSON resolved:
    /// <paramref name="standalone"/> when the file is analysed alone, where the launch directory is not known.</summary>
    internal static DeepSpeed.DeepSpeedReference? Check(DocumentContext document, AccelerateSettings settings, BindingOptions options, bool standalone, List<Diagnostic> diagnostics)
    {
        AccelerateRules.Add(settings, diagnostics);
        return AccelerateLaunch.ResolveDeepSpeed(settings, document, options, diagnostics, standalone);
    }

    public IReadOnlyList<FileEdit> Write(DialectBinding binding, IReadOnlyList<PlanChange> changes) => [];

    public IReadOnlySet<PlanField> Unwritable(DialectBinding binding) => System.Enum.GetValues<PlanField>().ToHashSet();

    public IReadOnlyList<FileEdit> WriteHardware(DialectBinding binding, string gpuId, int? gpusPerNode) => [];
}
