using LspFineTune.Core.Dialects.HuggingFace;
using LspFineTune.Core.Planning;

namespace LspFineTune.Core.Dialects.Trl;

/// <summary>
/// One accelerate config TRL ships in <c>trl/accelerate_configs/NAME.yaml</c> (huggingface/trl@f2cd577), which
/// <c>accelerate_config: NAME</c> in a <c>trl &lt;command&gt; --config</c> file selects (<c>trl/cli/accelerate_config.py</c>
/// 19-50: a name that is not a file is looked up there). <see cref="Processes"/> is what the run gets when the file does
/// not say <c>num_processes</c> (accelerate's flag beats the config file's value).
/// </summary>
public sealed record TrlAcceleratePreset(string Name, int Processes, int Machines, int ZeroStage, string? FsdpStrategy, bool? FsdpReshard)
{
    public bool UsesDeepSpeed => ZeroStage > 0 && FsdpStrategy is null;

    public bool UsesFsdp => FsdpStrategy is not null;

    /// <summary>A single process whatever <c>num_processes</c> says: <c>distributed_type: "NO"</c> makes accelerate use its
    /// simple launcher (accelerate@16cb6eb <c>commands/launch.py</c> 1214-1235, 1384-1407).</summary>
    public bool SingleProcess => Name == "single_gpu";

    public string Detail => $"preset {Name} (trl)";

    /// <summary>The ZeRO stage (or FSDP's equivalent) and offload the preset gives; the TRL presets offload nothing.</summary>
    public (DeepSpeedChoice Choice, string? Note) Sharding()
    {
        if (FsdpStrategy is null)
            return (new DeepSpeedChoice { Engine = ZeroStage > 0 ? ShardingEngine.DeepSpeed : ShardingEngine.None, ZeroStage = ZeroStage }, null);
        var (choice, note) = FsdpSharding.Equivalent(FsdpStrategy, FsdpReshard, offload: false);
        return (choice, note);
    }
}

/// <summary>The facts of the seven presets, read from trl@f2cd577 <c>trl/accelerate_configs/*.yaml</c> (all write
/// <c>num_processes: 8</c>, <c>num_machines: 1</c>, <c>mixed_precision: bf16</c>, and no offload).</summary>
public static class TrlAcceleratePresets
{
    public static readonly IReadOnlyList<TrlAcceleratePreset> All =
    [
        // distributed_type: "NO"
        new("single_gpu", 1, 1, 0, null, null),
        // distributed_type: MULTI_GPU (DDP)
        new("multi_gpu", 8, 1, 0, null, null),
        // distributed_type: FSDP, fsdp_version 1, fsdp_reshard_after_forward: FULL_SHARD (v1 reads it as the strategy)
        new("fsdp1", 8, 1, 0, "FULL_SHARD", null),
        // distributed_type: FSDP, fsdp_version 2, fsdp_reshard_after_forward: true
        new("fsdp2", 8, 1, 0, "FULL_SHARD", true),
        // distributed_type: DEEPSPEED, deepspeed_config.zero_stage 1/2/3, offload devices none
        new("zero1", 8, 1, 1, null, null),
        new("zero2", 8, 1, 2, null, null),
        new("zero3", 8, 1, 3, null, null),
    ];

    public static TrlAcceleratePreset? Find(string name) => All.FirstOrDefault(p => p.Name == name.Trim());

    /// <summary>The preset for a ZeRO stage, for writers (stage 0 is plain data parallelism).</summary>
    public static TrlAcceleratePreset ForStage(int stage) => All.First(p => p.UsesDeepSpeed ? p.ZeroStage == stage : stage == 0 && p.Name == "multi_gpu");
}
