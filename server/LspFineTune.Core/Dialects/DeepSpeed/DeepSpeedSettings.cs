using LspFineTune.Core.Planning;
using LspFineTune.Core.Syntax;

namespace LspFineTune.Core.Dialects.DeepSpeed;

/// <summary>A DeepSpeed value: a number or flag, the string <c>"auto"</c> (filled from the trainer at launch), or absent.</summary>
public readonly record struct DeepSpeedValue<T>(T? Value, bool IsAuto, PropertyNode? Property) where T : struct
{
    public bool IsSet => Property is not null;
}

/// <summary>
/// The memory-relevant keys of a DeepSpeed config (deepspeedai/DeepSpeed@edaa722 <c>runtime/config.py</c>,
/// <c>runtime/zero/config.py</c>, <c>zero/offload_config.py</c>, <c>precision_config.py</c>), read from its mapping
/// with the property each came from: the ZeRO stage and offload devices, the precision blocks, the batch keys that
/// the trainer fills when "auto", and an optimizer block (which replaces the trainer's optimizer).
/// </summary>
public sealed record DeepSpeedSettings
{
    public DeepSpeedValue<int> Stage { get; init; }

    public OffloadTarget OffloadOptimizer { get; init; }

    public PropertyNode? OffloadOptimizerProperty { get; init; }

    public OffloadTarget OffloadParams { get; init; }

    public PropertyNode? OffloadParamsProperty { get; init; }

    public DeepSpeedValue<bool> Bf16 { get; init; }

    public DeepSpeedValue<bool> Fp16 { get; init; }

    public DeepSpeedValue<long> MicroBatch { get; init; }

    public DeepSpeedValue<long> GradientAccumulation { get; init; }

    public DeepSpeedValue<long> TrainBatch { get; init; }

    public DeepSpeedValue<double> GradientClipping { get; init; }

    /// <summary>The <c>optimizer.type</c> of an optimizer block (<c>AdamW</c>, <c>Adam</c>, <c>OneBitAdam</c>, ...).</summary>
    public string? OptimizerType { get; init; }

    public PropertyNode? OptimizerProperty { get; init; }

    public PropertyNode? ZeroOptimizationProperty { get; init; }

    /// <summary><c>zero_optimization.stage3_prefetch_bucket_size</c>: parameters ZeRO-3 gathers ahead of use.</summary>
    public DeepSpeedValue<double> PrefetchBucket { get; init; }

    /// <summary><c>zero_optimization.reduce_bucket_size</c>: gradient elements reduced at once.</summary>
    public DeepSpeedValue<double> ReduceBucket { get; init; }

    public static DeepSpeedSettings Read(MappingNode root)
    {
        var zeroProperty = root.Find("zero_optimization");
        var zero = zeroProperty?.Value as MappingNode;
        var (offloadOptimizer, offloadOptimizerProperty) = Offload(zero, "offload_optimizer");
        var (offloadParams, offloadParamsProperty) = Offload(zero, "offload_param");
        // The legacy `cpu_offload: true` (ZeRO-Offload before offload_optimizer existed) still means optimizer to CPU.
        if (offloadOptimizerProperty is null && zero?.Find("cpu_offload") is { Value: ScalarNode legacy } legacyProperty && legacy.AsBoolean() == true)
            (offloadOptimizer, offloadOptimizerProperty) = (OffloadTarget.Cpu, legacyProperty);
        var optimizerProperty = root.Find("optimizer");
        return new DeepSpeedSettings
        {
            ZeroOptimizationProperty = zeroProperty,
            Stage = Integer(zero, "stage") is var stage && stage.Value is long s ? new DeepSpeedValue<int>((int)s, stage.IsAuto, stage.Property) : new DeepSpeedValue<int>(null, stage.IsAuto, stage.Property),
            OffloadOptimizer = offloadOptimizer,
            OffloadOptimizerProperty = offloadOptimizerProperty,
            OffloadParams = offloadParams,
            OffloadParamsProperty = offloadParamsProperty,
            Bf16 = Flag(root.Find("bf16")?.Value as MappingNode ?? root.Find("bfloat16")?.Value as MappingNode, "enabled"),
            Fp16 = Flag(root.Find("fp16")?.Value as MappingNode, "enabled"),
            MicroBatch = Integer(root, "train_micro_batch_size_per_gpu"),
            GradientAccumulation = Integer(root, "gradient_accumulation_steps"),
            TrainBatch = Integer(root, "train_batch_size"),
            GradientClipping = Number(root, "gradient_clipping"),
            OptimizerType = (optimizerProperty?.Value as MappingNode)?.Find("type")?.Value is ScalarNode { IsNull: false } type ? type.Value : null,
            OptimizerProperty = optimizerProperty,
            PrefetchBucket = Number(zero, "stage3_prefetch_bucket_size"),
            ReduceBucket = Number(zero, "reduce_bucket_size"),
        };
    }

    private static (OffloadTarget, PropertyNode?) Offload(MappingNode? zero, string key)
    {
        if (zero?.Find(key) is not { } property)
            return (OffloadTarget.None, null);
        var device = (property.Value as MappingNode)?.Find("device")?.Value as ScalarNode;
        return (device?.Value.ToLowerInvariant() switch
        {
            "cpu" => OffloadTarget.Cpu,
            "nvme" => OffloadTarget.Nvme,
            _ => OffloadTarget.None,
        }, property);
    }

    private static bool IsAuto(ScalarNode scalar) => scalar.Kind == ScalarKind.String && string.Equals(scalar.Value, "auto", StringComparison.OrdinalIgnoreCase);

    private static DeepSpeedValue<long> Integer(MappingNode? section, string key) =>
        section?.Find(key) is { } property && property.Value is ScalarNode scalar
            ? new DeepSpeedValue<long>(scalar.AsInteger() ?? (scalar.AsNumber() is { } n && n == Math.Floor(n) && Math.Abs(n) < 1e15 ? (long)n : null), IsAuto(scalar), property)
            : default;

    private static DeepSpeedValue<double> Number(MappingNode? section, string key) =>
        section?.Find(key) is { } property && property.Value is ScalarNode scalar
            ? new DeepSpeedValue<double>(scalar.AsNumber(), IsAuto(scalar), property)
            : default;

    private static DeepSpeedValue<bool> Flag(MappingNode? section, string key) =>
        section?.Find(key) is { } property && property.Value is ScalarNode scalar
            ? new DeepSpeedValue<bool>(scalar.AsBoolean(), IsAuto(scalar), property)
            : default;

    /// <summary>DeepSpeed's own optimizers as the plan's: Adam/AdamW keep two fp32 states (and OneBit/ZeroOne variants too).</summary>
    public OptimizerType? PlanOptimizer => OptimizerType?.ToLowerInvariant() switch
    {
        null => null,
        "sgd" => Planning.OptimizerType.Sgd,
        "adafactor" => Planning.OptimizerType.Adafactor,
        _ => Planning.OptimizerType.AdamW,
    };
}
