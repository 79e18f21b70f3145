using LspFineTune.Core.Planning;
using LspFineTune.Core.Syntax;
using static LspFineTune.Core.Planning.SyntaxReader;

namespace LspFineTune.Core.Dialects.Accelerate;

/// <summary>
/// The FSDP plugin of an accelerate config (<c>fsdp_config:</c>, huggingface/accelerate@16cb6eb
/// <c>utils/dataclasses.py</c> <c>FullyShardedDataParallelPlugin.__post_init__</c>): each key reaches the plugin as an
/// <c>FSDP_*</c> variable (<c>utils/launch.py</c> 304-330), the <c>fsdp_</c> prefix optional (<c>commands/launch.py</c> 1256).
/// </summary>
/// <param name="Property">The <c>fsdp_config</c> key, or <c>distributed_type</c> when there is no block (all defaults).</param>
public sealed record AccelerateFsdp(PropertyNode Property, MappingNode? Block)
{
    /// <summary>A key of the block, with or without the <c>fsdp_</c> prefix accelerate adds.</summary>
    public PropertyNode? Find(string name) => Block?.Find("fsdp_" + name) ?? Block?.Find(name);

    public ScalarNode? Scalar(string name) => Find(name)?.Value as ScalarNode;

    /// <summary>1 unless written (the launcher's default, <c>--fsdp_version 1</c>).</summary>
    public int Version => Scalar("version") is { } v && (v.AsInteger() ?? (long.TryParse(v.Value, out var n) ? n : 1)) is 2 ? 2 : 1;

    public bool Flag(string name) => Scalar(name) is { } value && (value.AsBoolean() ?? string.Equals(value.Value, "true", StringComparison.OrdinalIgnoreCase));

    /// <summary>FSDP1 shards by <c>fsdp_sharding_strategy</c> (default FULL_SHARD); FSDP2 ignores it (the plugin reads
    /// the variable only for version 1, dataclasses.py 1836).</summary>
    public string? Strategy => Version == 1 ? Scalar("sharding_strategy")?.Value : null;

    /// <summary>FSDP2's <c>fsdp_reshard_after_forward</c> (default true); FSDP1 uses the strategy instead (accelerator.py 1940).</summary>
    public bool? ReshardAfterForward => Version == 2 && Scalar("reshard_after_forward") is { } value ? value.AsBoolean() ?? !string.Equals(value.Value, "false", StringComparison.OrdinalIgnoreCase) : null;

    /// <summary>The property that sets the sharding degree: the strategy (FSDP1) or reshard_after_forward (FSDP2).</summary>
    public PropertyNode? ShardingProperty => Version == 1 ? Find("sharding_strategy") : Find("reshard_after_forward");
}

/// <summary>
/// The DeepSpeed plugin of an accelerate config (<c>deepspeed_config:</c>, dataclasses.py <c>DeepSpeedPlugin</c>): the
/// ZeRO settings inline, or <c>deepspeed_config_file</c> naming a DeepSpeed JSON (and then none of the inline ones).
/// </summary>
public sealed record AccelerateDeepSpeed(PropertyNode Property, MappingNode? Block)
{
    /// <summary>The inline keys accelerate refuses beside <c>deepspeed_config_file</c> (dataclasses.py 1508-1532).</summary>
    public static readonly string[] KeysIgnoredWithFile =
    [
        "gradient_accumulation_steps", "gradient_clipping", "zero_stage", "offload_optimizer_device", "offload_param_device",
        "offload_param_nvme_path", "offload_optimizer_nvme_path", "zero3_save_16bit_model",
    ];

    public PropertyNode? ConfigFile => Block?.Find("deepspeed_config_file") is { Value: ScalarNode { IsNull: false, Value.Length: > 0 } } file ? file : null;

    public PropertyNode? ZeroStageProperty => Block?.Find("zero_stage");

    /// <summary>The plugin's default stage is 2 (dataclasses.py 1238).</summary>
    public int ZeroStage => NullableLong(Block, "zero_stage") is >= 0 and <= 3 and var stage ? (int)stage : 2;

    public OffloadTarget OffloadOptimizer => Device(Block, "offload_optimizer_device");

    public OffloadTarget OffloadParams => Device(Block, "offload_param_device");

    public PropertyNode? OffloadOptimizerProperty => Block?.Find("offload_optimizer_device");

    public PropertyNode? OffloadParamsProperty => Block?.Find("offload_param_device");

    private static OffloadTarget Device(MappingNode? block, string key) => String(block, key)?.ToLowerInvariant() switch
    {
        "cpu" => OffloadTarget.Cpu,
        "nvme" => OffloadTarget.Nvme,
        _ => OffloadTarget.None,
    };
}

/// <summary>
/// The facts of one accelerate config (<c>commands/config/config_args.py</c> <c>ClusterConfig</c>): how it distributes,
/// how many processes on how many machines, its mixed precision, and its FSDP or DeepSpeed plugin, each with the
/// property it came from.
/// </summary>
public sealed record AccelerateSettings(MappingNode Root)
{
    public PropertyNode? DistributedTypeProperty => Root.Find("distributed_type");

    /// <summary>The value as accelerate reads it, upper-cased; "NO" also for a plain <c>NO</c> that PyYAML reads as false.</summary>
    public string DistributedType => DistributedTypeProperty?.Value is ScalarNode { IsNull: false } value ? value.Value.Trim().ToUpperInvariant() switch
    {
        "FALSE" or "OFF" => "NO",
        var text => text,
    } : "NO";

    public PropertyNode? NumProcessesProperty => Root.Find("num_processes");

    public PropertyNode? NumMachinesProperty => Root.Find("num_machines");

    /// <summary>The total over all machines; null when absent (then <c>accelerate launch</c> must be given it, except
    /// with <c>distributed_type: NO</c>, which is one process: config_args.py 108).</summary>
    public int? NumProcesses => NullableLong(Root, "num_processes") is >= 1 and <= 100_000 and var n ? (int)n : null;

    public int NumMachines => NullableLong(Root, "num_machines") is >= 1 and <= 100_000 and var n ? (int)n : 1;

    public bool UsesCpu => Bool(Root, "use_cpu", false) || DistributedType == "MULTI_CPU";

    /// <summary><c>no</c>, <c>fp16</c>, <c>bf16</c> or <c>fp8</c>; null when absent.</summary>
    public string? MixedPrecision => String(Root, "mixed_precision")?.ToLowerInvariant() is { } text ? text is "false" or "off" ? "no" : text : null;

    public AccelerateFsdp? Fsdp => DistributedType != "FSDP" ? null
        : Root.Find("fsdp_config") is { } property ? new AccelerateFsdp(property, property.Value as MappingNode)
        : DistributedTypeProperty is { } type ? new AccelerateFsdp(type, null)
        : null;

    public AccelerateDeepSpeed? DeepSpeed => DistributedType != "DEEPSPEED" ? null
        : Root.Find("deepspeed_config") is { } property ? new AccelerateDeepSpeed(property, property.Value as MappingNode)
        : DistributedTypeProperty is { } type ? new AccelerateDeepSpeed(type, null)
        : null;

    public PropertyNode? ParallelismProperty => Root.Find("parallelism_config") is { Value: MappingNode { Properties.Count: > 0 } } property ? property : null;

    /// <summary>The product of the parallelism sizes (<c>parallelism_config.py</c> <c>total_size</c>); 1 when none is written.</summary>
    public int ParallelismSize
    {
        get
        {
            if (ParallelismProperty?.Value is not MappingNode block)
                return 1;
            long total = 1;
            foreach (var name in new[] { "dp_replicate", "dp_shard", "tp", "cp", "sp" })
                total *= Math.Max(1, NullableLong(block, $"parallelism_config_{name}_size") ?? NullableLong(block, $"{name}_size") ?? 1);
            return (int)Math.Min(total, int.MaxValue);
        }
    }
}
