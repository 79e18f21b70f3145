using LspFineTune.Core.Diagnostics;
using LspFineTune.Core.Dialects.DeepSpeed;
using LspFineTune.Core.Dialects.HuggingFace;
using LspFineTune.Core.Files;
using LspFineTune.Core.Planning;
using LspFineTune.Core.Syntax;
using LspFineTune.Core.Text;

namespace LspFineTune.Core.Dialects.Accelerate;

/// <summary>What the trainer config decides itself, so the launch file's value does not apply.</summary>
/// <param name="Sharding">The config shards on its own (axolotl's <c>deepspeed:</c>/<c>fsdp_config</c>, the HF
/// Trainer's <c>deepspeed</c>/<c>fsdp</c>): the trainer then sets up its own plugin and the launch file's is not used.</param>
/// <param name="Precision">The trainer sets the mixed precision whatever the launch file says (axolotl always does,
/// trainer.py 684-691; the HF Trainer when <c>bf16</c> or <c>fp16</c> is on, which TRL's default bf16 is; LLaMA-Factory and
/// TRL pass whether their plan is in 16 bits, as weights loaded in 16 bits stay so under the launch file's <c>"no"</c>).</param>
public sealed record LaunchOwnership(bool Sharding, bool Precision);

/// <summary>
/// The accelerate config a trainer config is launched with (<c>accelerate launch --config_file PATH train.py CONFIG</c>),
/// read as its launch file: the GPUs it starts, the sharding it sets up, its mixed precision and activation
/// checkpointing, each value's source pointing into that file ("from accelerate config fsdp.yaml").
/// </summary>
public sealed record LaunchFacts
{
    public required string Path { get; init; }

    /// <summary>The accelerate file as a document (its own text, tree and path).</summary>
    public required DocumentContext Document { get; init; }

    public required AccelerateSettings Settings { get; init; }

    public required CompanionFile Companion { get; init; }

    /// <summary>Where the trainer config reports about the launch file: the modeline's <c>accelerate=</c> word, the
    /// value of the key that names it, or null.</summary>
    public TextRange? Anchor { get; init; }

    /// <summary>The trainer config's key that names the file (TRL's <c>accelerate_config:</c>), as <c>deepspeed:</c>
    /// leads to its JSON; null when the modeline, a setting or accelerate's default named it.</summary>
    public PropertyNode? Via { get; init; }

    /// <summary>The DeepSpeed JSON named by <c>deepspeed_config.deepspeed_config_file</c>, read and validated.</summary>
    public DeepSpeedReference? DeepSpeed { get; init; }

    /// <summary>"accelerate config fsdp.yaml", as hovers and the code lens say where a value came from.</summary>
    public string Name => $"accelerate config {System.IO.Path.GetFileName(Path)}";

    /// <summary>The GPUs it starts: <c>num_processes</c> is the total over <c>num_machines</c> (utils/launch.py 217),
    /// one process for <c>distributed_type: NO</c>; none for a CPU launch or one that leaves the count to the command line.</summary>
    public OwnHardware Hardware
    {
        get
        {
            var settings = Settings;
            var single = settings.DistributedType == "NO";
            if (settings.UsesCpu || (settings.NumProcesses is not { } processes && !single))
                return OwnHardware.None;
            var total = single ? 1 : settings.NumProcesses!.Value;
            var machines = single ? 1 : settings.NumMachines;
            return new OwnHardware(null, Math.Max(1, total / machines), machines, ValueOrigin.LaunchFile)
            {
                GpusPerNodeProperty = single ? settings.DistributedTypeProperty : settings.NumProcessesProperty,
                NodesProperty = single ? settings.DistributedTypeProperty : settings.NumMachinesProperty ?? settings.NumProcessesProperty,
                FilePath = Path,
                Detail = Name,
                Anchor = Anchor,
                Via = Via,
            };
        }
    }

    /// <summary>Whether it sets up FSDP or DeepSpeed (which then shards the model unless the trainer does its own).</summary>
    public bool Shards => Settings.Fsdp is not null || Settings.DeepSpeed is not null;

    /// <summary>The source of a value found at <paramref name="property"/> in this file.</summary>
    public ValueSource SourceOf(PropertyNode? property) =>
        new(ValueOrigin.LaunchFile) { Property = property, FilePath = Path, Detail = Name, Anchor = Anchor, Via = Via };

    /// <summary>This launch file when its plugin shards the run, i.e. unless the trainer config shards on its own
    /// (<paramref name="trainerShards"/>): where the writers send ZeRO, offload and checkpointing changes.</summary>
    public LaunchFacts? ShardingUnless(bool trainerShards) => Shards && !trainerShards ? this : null;

    /// <summary>A diagnostic on a key of this file.</summary>
    internal Diagnostic InFile(Diagnostic diagnostic) => diagnostic with { FilePath = diagnostic.FilePath ?? Path };
}

/// <summary>
/// Finds and applies the accelerate config of a trainer config. A trainer dialect's binder uses it in three lines:
/// <code>
/// var launch = AccelerateLaunch.Find(document, options, diagnostics);
/// var hardware = HardwareResolver.Resolve(document, options, launch?.Hardware ?? OwnHardware.None, provenance, diagnostics);
/// ...build the plan from the config's own keys...
/// plan = AccelerateLaunch.Apply(launch, plan, provenance, new LaunchOwnership(Sharding: ownsSharding, Precision: ownsPrecision), diagnostics);
/// </code>
/// then adds <see cref="Companions"/> to its binding's companions (so the editor re-analyses the config when the
/// accelerate file changes), and in its writer sends ZeRO/offload/checkpointing changes to
/// <see cref="AccelerateWriter.Write"/> (and GPU counts to <see cref="AccelerateWriter.WriteHardware"/>) when the
/// sharding or the count came from the launch file. The hardware order stays: flags &gt; modeline &gt; this file &gt;
/// settings &gt; default.
/// </summary>
public static class AccelerateLaunch
{
    /// <summary>Accelerate configs are a few KB; a larger file is not one.</summary>
    public const long MaxBytes = 1_000_000;

    /// <summary>
    /// accelerate's own default config, used by <c>accelerate launch</c> without <c>--config_file</c>
    /// (commands/config/config_args.py 29-40): <c>$HF_HOME/accelerate/default_config.yaml</c>, where HF_HOME defaults
    /// to <c>$XDG_CACHE_HOME/huggingface</c>, i.e. <c>~/.cache/huggingface</c>. There is no other variable for it.
    /// </summary>
    public static string? DefaultConfigFile()
    {
        var home = Environment.GetEnvironmentVariable("HF_HOME") is { Length: > 0 } hfHome ? hfHome
            : Environment.GetEnvironmentVariable("XDG_CACHE_HOME") is { Length: > 0 } cache ? System.IO.Path.Combine(cache, "huggingface")
            : Environment.GetFolderPath(Environment.SpecialFolder.UserProfile) is { Length: > 0 } user ? System.IO.Path.Combine(user, ".cache", "huggingface")
            : null;
        return home is null ? null : System.IO.Path.Combine(home, "accelerate", "default_config.yaml");
    }

    /// <summary>
    /// The launch file, first found: the modeline's <c>accelerate=PATH</c>, the setting or flag
    /// (<see cref="BindingOptions.AccelerateConfigPath"/>), accelerate's default config when it exists. Relative paths
    /// resolve as DeepSpeed paths do (the workspace folder, which is the launch directory, then the config's folder).
    /// A named file that is missing or unreadable is an error (on the modeline word); a missing default is no file.
    /// </summary>
    public static LaunchFacts? Find(DocumentContext document, BindingOptions options, List<Diagnostic> diagnostics)
    {
        var modeline = document.Modeline;
        if (modeline.Accelerate is { } named)
            return Read(named, "the modeline's `accelerate=`", modeline.Ranges["accelerate"], document, options, diagnostics, required: true);
        if (options.AccelerateConfigPath is { Length: > 0 } setting)
            return Read(setting, options.DefaultsOrigin == ValueOrigin.Settings ? "the setting lft.accelerateConfig" : "--accelerate-config", null, document, options, diagnostics, required: true);
        if (options.AccelerateDefaultConfig is { } fallback && options.Files.Stat(fallback).Kind != FileKind.Missing)
            return Read(fallback, "accelerate's default config", null, document, options, diagnostics, required: false);
        return null;
    }

    /// <summary>Whether <paramref name="path"/> is a file where <see cref="Named"/> looks for it (a trainer that takes
    /// a file or a name of its own there, as TRL's <c>accelerate_config</c>, asks first).</summary>
    public static bool IsFile(string path, DocumentContext document, BindingOptions options) =>
        DeepSpeedReference.Candidates(path, document.Path, options.WorkspaceFolder).Any(c => options.Files.Stat(c).Kind == FileKind.Regular);

    /// <summary>
    /// A launch file the trainer config names with a key of its own (TRL's <c>accelerate_config: fsdp.yaml</c>):
    /// <paramref name="path"/> as that key's value gives it, resolved as <see cref="Find"/> resolves a named file; its
    /// problems are reported on the value, and its values' provenance leads through <paramref name="key"/>.
    /// </summary>
    public static LaunchFacts? Named(string path, PropertyNode key, DocumentContext document, BindingOptions options, List<Diagnostic> diagnostics) =>
        Read(path, $"`{key.Key.Value}:`", key.Value.Range, document, options, diagnostics, required: true) is { } launch ? launch with { Via = key } : null;

    private static LaunchFacts? Read(string path, string namedBy, TextRange? anchor, DocumentContext document, BindingOptions options, List<Diagnostic> diagnostics, bool required)
    {
        var at = anchor ?? TextRange.At(0, 0);
        var candidates = DeepSpeedReference.Candidates(path, document.Path, options.WorkspaceFolder).ToList();
        var found = candidates.FirstOrDefault(c => options.Files.Stat(c).Kind != FileKind.Missing);
        if (found is null)
        {
            if (required)
            {
                diagnostics.Add(Diagnostic.Error(DiagnosticCodes.CompanionFileUnreadable,
                    $"Cannot find the accelerate config `{path}` named by {namedBy} (looked in {string.Join(", ", candidates.Select(c => System.IO.Path.GetDirectoryName(c)).Distinct().Take(3))}); `accelerate launch --config_file` opens it relative to the directory it is launched from. Fix the path.", at));
            }
            return null;
        }
        if (document.Path is { } self && string.Equals(System.IO.Path.GetFullPath(self), found, StringComparison.Ordinal))
        {
            diagnostics.Add(Diagnostic.Error(DiagnosticCodes.CompanionFileUnreadable,
                $"{Capitalised(namedBy)} names this file itself; it must name the accelerate config the run is launched with (e.g. fsdp.yaml).", at));
            return null;
        }
        var read = options.Files.ReadText(found, MaxBytes);
        if (read.Text is null)
        {
            diagnostics.Add(Diagnostic.Error(DiagnosticCodes.CompanionFileUnreadable,
                $"Cannot read the accelerate config `{path}` ({found}) named by {namedBy}: {read.Problem}.", at));
            return null;
        }
        var tree = ConfigParser.Parse(read.Text, ConfigAnalyzer.FormatOf(found) ?? DocumentFormat.Yaml);
        var accelerate = DocumentContext.Of(read.Text, tree, found);
        if (tree.RootMapping is not { } root || root.Find("distributed_type") is null)
        {
            // config_args.py 106: "A `distributed_type` must be specified in the config file."
            diagnostics.Add(Diagnostic.Error(DiagnosticCodes.CompanionFileUnreadable,
                $"`{path}` (named by {namedBy}) is not an accelerate config: it has no `distributed_type`, which accelerate requires (\"A `distributed_type` must be specified\").", at));
            return null;
        }
        var problems = new List<Diagnostic>(tree.Diagnostics);
        var dialect = AccelerateDialect.Instance;
        if (dialect.Schema is { } schema)
            problems.AddRange(dialect.ReviewSchemaFindings(accelerate, schema.Validate(tree)));
        var settings = new AccelerateSettings(root);
        var deepSpeed = AccelerateDialect.Check(accelerate, settings, options, standalone: false, problems);
        var inFile = problems.Select(d => d with { FilePath = d.FilePath ?? found }).ToList();
        diagnostics.AddRange(inFile);
        var errors = inFile.Where(d => d.Severity == DiagnosticSeverity.Error && d.FilePath == found).ToList();
        if (errors.Count > 0)
        {
            diagnostics.Add(Diagnostic.Error(DiagnosticCodes.CompanionFileUnreadable,
                $"The accelerate config `{path}` has {errors.Count} error{(errors.Count == 1 ? "" : "s")} (first: {errors[0].Message}); `accelerate launch` would stop on it.", at) with
            {
                Related = [.. errors.Take(5).Select(d => new RelatedLocation(d.Range, d.Message) { FilePath = found })],
            });
        }
        return new LaunchFacts
        {
            Path = found,
            Document = accelerate,
            Settings = settings,
            Companion = new CompanionFile(found, dialect.Id, root.Find("distributed_type")!) { Tree = tree },
            Anchor = anchor,
            DeepSpeed = deepSpeed,
        };
    }

    /// <summary>
    /// The DeepSpeed JSON of <c>deepspeed_config.deepspeed_config_file</c>, through <see cref="DeepSpeedReference"/>
    /// (relative to the launch directory, then the accelerate file's folder). Alone, where the launch directory is not
    /// known, a file not found is a warning; for a run it is the error the reference reports.
    /// </summary>
    internal static DeepSpeedReference? ResolveDeepSpeed(AccelerateSettings settings, DocumentContext document, BindingOptions options, List<Diagnostic> diagnostics, bool standalone)
    {
        if (settings.DeepSpeed?.ConfigFile is not { } key)
            return null;
        var found = new List<Diagnostic>();
        var reference = DeepSpeedReference.Resolve(key, document, options, found);
        foreach (var diagnostic in found)
        {
            var notFound = standalone && diagnostic.Code == DiagnosticCodes.CompanionFileUnreadable && diagnostic.FilePath is null && reference?.Settings is null && reference?.Companion is null;
            diagnostics.Add(notFound
                ? diagnostic with
                {
                    Severity = DiagnosticSeverity.Warning,
                    Message = $"The DeepSpeed config `{((ScalarNode)key.Value).Value.Trim()}` is not in the workspace folder or beside this file; accelerate opens it relative to the directory `accelerate launch` runs in, so make sure it is there (a run launched with this file stops without it).",
                }
                : diagnostic);
        }
        return reference;
    }

    /// <summary>The files a binding read through the launch file: the accelerate config and its DeepSpeed JSON.</summary>
    public static IReadOnlyList<CompanionFile> Companions(LaunchFacts? launch) =>
        launch is null ? [] : launch.DeepSpeed?.Companion is { IsPreset: false } json ? [launch.Companion, json] : [launch.Companion];

    /// <summary>
    /// What the launch file does to a trainer's plan: unless the trainer shards on its own, FSDP (as its ZeRO
    /// equivalent, <see cref="FsdpSharding"/>) or DeepSpeed (the plugin's inline <c>zero_stage</c> and offload
    /// devices, or the JSON it names); FSDP's activation checkpointing turns checkpointing on; its mixed precision
    /// unless the trainer sets its own. Each value's provenance points into the launch file. What the estimate does
    /// not model is said there (LFT0210).
    /// </summary>
    public static TrainingPlan Apply(LaunchFacts? launch, TrainingPlan plan, PlanProvenance provenance, LaunchOwnership owns, List<Diagnostic> diagnostics)
    {
        if (launch is null)
            return plan;
        var settings = launch.Settings;
        void Note(PropertyNode property, string message) =>
            diagnostics.Add(launch.InFile(new Diagnostic(DiagnosticCodes.NotModelled, DiagnosticSeverity.Information, message, property.Key.Range)));

        if (!owns.Sharding && settings.Fsdp is { } fsdp)
        {
            var offload = fsdp.Find("offload_params");
            var (choice, note) = FsdpSharding.Equivalent(fsdp.Strategy, fsdp.ReshardAfterForward, fsdp.Flag("offload_params"));
            provenance.Set(PlanField.ZeroStage, launch.SourceOf(fsdp.ShardingProperty ?? fsdp.Property));
            provenance.Set(PlanField.OffloadOptimizer, launch.SourceOf(offload ?? fsdp.Property));
            provenance.Set(PlanField.OffloadParams, launch.SourceOf(offload ?? fsdp.Property));
            Note(fsdp.Property, note);
            plan = plan with { DeepSpeed = choice };
            // dataclasses.py 1950: FSDP_ACTIVATION_CHECKPOINTING makes accelerate checkpoint each wrapped layer.
            if (fsdp.Flag("activation_checkpointing"))
            {
                provenance.Set(PlanField.GradientCheckpointing, launch.SourceOf(fsdp.Find("activation_checkpointing")));
                plan = plan with { Training = plan.Training with { GradientCheckpointing = true } };
            }
        }
        else if (!owns.Sharding && settings.DeepSpeed is { } deepSpeed)
        {
            if (launch.DeepSpeed is { Settings: { } json } reference)
            {
                var choice = TrainerDeepSpeed.Sharding(reference, json, provenance);
                // The JSON's values, reached through the launch file: nothing in the trainer config leads there.
                foreach (var field in new[] { PlanField.ZeroStage, PlanField.OffloadOptimizer, PlanField.OffloadParams })
                    provenance.Set(field, provenance.Of(field) with { Via = launch.Via, Anchor = launch.Anchor, Detail = $"{provenance.Of(field).Detail}, named by {launch.Name}" });
                plan = plan with { DeepSpeed = choice };
            }
            else if (deepSpeed.ConfigFile is null)
            {
                provenance.Set(PlanField.ZeroStage, launch.SourceOf(deepSpeed.ZeroStageProperty ?? deepSpeed.Property));
                provenance.Set(PlanField.OffloadOptimizer, launch.SourceOf(deepSpeed.OffloadOptimizerProperty ?? deepSpeed.Property));
                provenance.Set(PlanField.OffloadParams, launch.SourceOf(deepSpeed.OffloadParamsProperty ?? deepSpeed.Property));
                plan = plan with
                {
                    DeepSpeed = new DeepSpeedChoice { Engine = ShardingEngine.DeepSpeed, ZeroStage = deepSpeed.ZeroStage, OffloadOptimizer = deepSpeed.OffloadOptimizer, OffloadParams = deepSpeed.OffloadParams },
                };
            }
        }

        // transformers' TrainingArguments keeps ACCELERATE_MIXED_PRECISION unless bf16/fp16 is set; accelerate writes
        // it from `mixed_precision` (utils/launch.py 169-176).
        if (!owns.Precision && settings.Root.Find("mixed_precision") is { } precisionProperty && settings.MixedPrecision is { } precision)
        {
            WeightDtype? dtype = precision switch { "bf16" or "fp8" => WeightDtype.Bf16, "fp16" => WeightDtype.Fp16, "no" => WeightDtype.Fp32, _ => null };
            if (dtype is { } chosen)
            {
                provenance.Set(PlanField.Dtype, launch.SourceOf(precisionProperty));
                plan = plan with { Model = plan.Model with { Dtype = chosen } };
            }
        }
        if (settings.MixedPrecision == "fp8" && settings.Root.Find("mixed_precision") is { } fp8)
            Note(fp8, "fp8 mixed precision is estimated as bf16 (the fp8 matmuls' savings are not modelled).");
        if (settings.ParallelismProperty is { } parallelism && settings.ParallelismSize > 1)
            Note(parallelism, "Tensor, context and sequence parallelism split layers or sequences across GPUs; the estimate treats every GPU as a data-parallel replica (or a ZeRO shard).");
        if (settings.DistributedType is "MEGATRON_LM" or "XLA" && settings.DistributedTypeProperty is { } type)
            Note(type, $"`distributed_type: {settings.DistributedType}` is estimated as plain data parallelism on the GPUs it starts.");
        if (settings.UsesCpu && settings.DistributedTypeProperty is { } cpu)
            Note(cpu, "A CPU launch: the estimate stays on the GPU of the modeline or the settings.");
        return plan;
    }

    private static string Capitalised(string text) => text.Length == 0 ? text : char.ToUpperInvariant(text[0]) + text[1..];
}
