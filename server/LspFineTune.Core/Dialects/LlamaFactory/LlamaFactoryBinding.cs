using LspFineTune.Core.Diagnostics;
using LspFineTune.Core.Dialects.Accelerate;
using LspFineTune.Core.Dialects.DeepSpeed;
using LspFineTune.Core.Planning;

namespace LspFineTune.Core.Dialects.LlamaFactory;

/// <summary>A LLaMA-Factory binding (classic or v1), with what its writer needs: the DeepSpeed config it names and
/// whether it shards with FSDP instead (ZeRO changes cannot be written then).</summary>
public sealed class LlamaFactoryBinding : DialectBinding
{
    public DeepSpeedReference? DeepSpeed { get; init; }

    public bool UsesFsdp { get; init; }

    public string? WorkspaceFolder { get; init; }

    /// <summary>The accelerate config a classic run is launched with (<c>accelerate launch --config_file
    /// examples/accelerate/fsdp_config.yaml src/train.py cfg.yaml</c>), when one is named or accelerate's default exists.</summary>
    public LaunchFacts? Launch { get; init; }

    /// <summary>The launch file, when its FSDP or DeepSpeed plugin shards the run (the config has no <c>deepspeed</c> or <c>fsdp</c> of its own).</summary>
    public LaunchFacts? LaunchSharding => Launch?.ShardingUnless(DeepSpeed is not null || UsesFsdp);

    /// <summary>What a binder produced (plan null: nothing to estimate), with the DeepSpeed JSON and the launch file
    /// (and the JSON it names) as its companions.</summary>
    internal static LlamaFactoryBinding Of(DocumentContext document, BindingOptions options, PlanProvenance provenance, List<Diagnostic> diagnostics, TrainingPlan? plan, DeepSpeedReference? deepSpeed, bool usesFsdp, LaunchFacts? launch = null) => new()
    {
        Document = document,
        Plan = plan,
        Provenance = provenance,
        Diagnostics = diagnostics,
        DeepSpeed = deepSpeed,
        UsesFsdp = usesFsdp,
        WorkspaceFolder = options.WorkspaceFolder,
        Launch = launch,
        Companions = [.. deepSpeed?.Companion is { } companion ? [companion] : Array.Empty<CompanionFile>(), .. AccelerateLaunch.Companions(launch)],
    };
}
