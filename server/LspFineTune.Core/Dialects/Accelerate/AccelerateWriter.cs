using LspFineTune.Core.Dialects.DeepSpeed;
using LspFineTune.Core.Editing;
using LspFineTune.Core.Planning;

namespace LspFineTune.Core.Dialects.Accelerate;

/// <summary>
/// Writes plan changes into the accelerate config a run is launched with, when that is where the value lives (the
/// trainer does not shard on its own): the DeepSpeed plugin's <c>zero_stage</c> and offload devices (or the DeepSpeed
/// JSON its <c>deepspeed_config_file</c> names, through <see cref="DeepSpeedWriter"/>), FSDP's
/// <c>fsdp_offload_params</c> and <c>fsdp_activation_checkpointing</c>, and <c>num_processes</c>. Every edit has the
/// accelerate file (or the JSON) as its <see cref="FileEdit.FilePath"/>.
/// </summary>
public static class AccelerateWriter
{
    private static readonly PlanField[] ShardingFields = [PlanField.ZeroStage, PlanField.OffloadOptimizer, PlanField.OffloadParams];

    /// <summary>What a launch file that shards cannot express: FSDP has no ZeRO-1 and offloads the optimizer only with
    /// the parameters (<c>fsdp_offload_params</c> moves both), so its stage and the optimizer's offload are not written.</summary>
    public static IReadOnlySet<PlanField> Unwritable(LaunchFacts launch) =>
        launch.Settings.Fsdp is not null ? new HashSet<PlanField> { PlanField.ZeroStage, PlanField.OffloadOptimizer } : [];

    /// <summary>The edits for the changes this launch file holds, and which fields those were (the trainer's writer
    /// writes the others in its own keys). Call it only when the trainer does not shard on its own.</summary>
    public static (IReadOnlyList<FileEdit> Edits, IReadOnlySet<PlanField> Written) Write(LaunchFacts launch, TrainingPlan plan, IReadOnlyList<PlanChange> changes, string? workspaceFolder)
    {
        var settings = launch.Settings;
        var changed = changes.ToDictionary(c => c.Field, c => c.Value);
        var keys = new List<ConfigChange>();
        var written = new HashSet<PlanField>();
        var edits = new List<FileEdit>();
        if (settings.Fsdp is { } fsdp)
        {
            var block = fsdp.Block is null ? "fsdp_config.fsdp_" : "fsdp_config." + (fsdp.Block.Find("offload_params") is not null && fsdp.Block.Find("fsdp_offload_params") is null ? "" : "fsdp_");
            if (changed.TryGetValue(PlanField.OffloadParams, out var parameters))
            {
                keys.Add(new(block + "offload_params", (OffloadTarget)parameters != OffloadTarget.None));
                written.Add(PlanField.OffloadParams);
            }
            if (changed.TryGetValue(PlanField.GradientCheckpointing, out var checkpointing) && ((bool)checkpointing || fsdp.Flag("activation_checkpointing")))
            {
                keys.Add(new(block + "activation_checkpointing", (bool)checkpointing));
                if ((bool)checkpointing)
                    written.Add(PlanField.GradientCheckpointing);
            }
        }
        else if (settings.DeepSpeed is { } deepSpeed && ShardingFields.Any(changed.ContainsKey))
        {
            var stage = changed.TryGetValue(PlanField.ZeroStage, out var s) ? (int)s : plan.DeepSpeed.ZeroStage;
            var optimizer = changed.TryGetValue(PlanField.OffloadOptimizer, out var o) ? (OffloadTarget)o : plan.DeepSpeed.OffloadOptimizer;
            var parameters = changed.TryGetValue(PlanField.OffloadParams, out var p) ? (OffloadTarget)p : plan.DeepSpeed.OffloadParams;
            if (deepSpeed.ConfigFile is not null)
            {
                // The JSON holds them (accelerate refuses them inline beside it): edit it, or create one and name it.
                foreach (var edit in DeepSpeedWriter.Write(launch.Document, launch.DeepSpeed, "deepspeed_config.deepspeed_config_file", "accelerate", new DeepSpeedWriter.Target(stage, optimizer, parameters), workspaceFolder))
                    edits.Add(edit with { FilePath = edit.FilePath ?? launch.Path });
            }
            else
            {
                if (stage != deepSpeed.ZeroStage || deepSpeed.ZeroStageProperty is null)
                    keys.Add(new("deepspeed_config.zero_stage", stage));
                if (optimizer != deepSpeed.OffloadOptimizer)
                    keys.Add(new("deepspeed_config.offload_optimizer_device", optimizer.ToConfigName()));
                if (parameters != deepSpeed.OffloadParams)
                    keys.Add(new("deepspeed_config.offload_param_device", parameters.ToConfigName()));
            }
            written.UnionWith(ShardingFields.Where(changed.ContainsKey));
        }
        return (Merge(edits, launch, keys), written);
    }

    /// <summary>
    /// A trainer writer's first step: the changes the launch file that shards the run holds (<paramref name="sharding"/>,
    /// see <see cref="LaunchFacts.ShardingUnless"/>; null: none) are written there and added to <paramref name="edits"/>;
    /// the others are returned for the trainer's own keys.
    /// </summary>
    public static IReadOnlyList<PlanChange> WriteSharding(LaunchFacts? sharding, TrainingPlan plan, IReadOnlyList<PlanChange> changes, string? workspaceFolder, List<FileEdit> edits)
    {
        if (sharding is null)
            return changes;
        var (launchEdits, written) = Write(sharding, plan, changes, workspaceFolder);
        edits.AddRange(launchEdits);
        return changes.Where(c => !written.Contains(c.Field)).ToList();
    }

    /// <summary>A trainer's <see cref="IConfigDialect.WriteHardware"/>: the GPU type in the modeline, and a GPU count that
    /// came from the launch file in that file (<c>num_processes</c>), else in the modeline too.</summary>
    public static IReadOnlyList<FileEdit> WriteHardware(TrainerBinding binding, string gpuId, int? gpusPerNode) =>
        binding.Launch is { } launch && gpusPerNode is { } count && binding.Provenance.Of(PlanField.GpusPerNode).Origin == ValueOrigin.LaunchFile
            ? [.. ModelineWriter.SetHardware(binding.Document, gpuId, null), .. WriteHardware(launch, count)]
            : ModelineWriter.SetHardware(binding.Document, gpuId, gpusPerNode);

    /// <summary>A trainer's <see cref="IConfigDialect.Unwritable"/> for its sharding: all of it when the trainer shards
    /// with FSDP itself, what the sharding launch file cannot express, else nothing.</summary>
    public static IReadOnlySet<PlanField> UnwritableSharding(TrainerBinding binding) =>
        binding.UsesFsdp ? new HashSet<PlanField>(ShardingFields) : binding.LaunchSharding is { } sharding ? Unwritable(sharding) : new HashSet<PlanField>();

    /// <summary><c>num_processes</c> for this many GPUs per node (it is the total over <c>num_machines</c>).</summary>
    public static IReadOnlyList<FileEdit> WriteHardware(LaunchFacts launch, int gpusPerNode) =>
        Merge([], launch, [new("num_processes", gpusPerNode * launch.Settings.NumMachines)]);

    private static IReadOnlyList<FileEdit> Merge(List<FileEdit> edits, LaunchFacts launch, IReadOnlyList<ConfigChange> keys)
    {
        if (keys.Count == 0 || ConfigEditor.ToTextEdits(launch.Document.Tree, keys) is not { Count: > 0 } own)
            return edits;
        var existing = edits.FindIndex(e => e.FilePath == launch.Path && !e.CreatesFile);
        if (existing >= 0)
            edits[existing] = edits[existing] with { Edits = [.. edits[existing].Edits, .. own] };
        else
            edits.Add(new FileEdit(launch.Path, own));
        return edits;
    }
}
