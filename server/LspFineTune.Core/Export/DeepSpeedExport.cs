using System.Text.Json;
using System.Text.Json.Nodes;
using LspFineTune.Core.Planning;

namespace LspFineTune.Core.Export;

/// <summary>
/// The plan's sharding as a DeepSpeed JSON (deepspeedai/DeepSpeed@edaa722 <c>runtime/zero/config.py</c>,
/// <c>zero/offload_config.py</c>, <c>runtime/config.py</c>): the ZeRO stage with its offload devices, the precision
/// block, and the batch sizes as numbers (<c>train_batch_size</c> = micro-batch x accumulation x GPUs, which DeepSpeed
/// checks). The rest of a run (model, method, sequence length, optimizer, data) belongs to the trainer config that names
/// the file.
/// </summary>
public static class DeepSpeedExport
{
    public static ExportResult Write(ExportSource source)
    {
        source.Note("a DeepSpeed JSON holds the sharding, precision and batch sizes only: the model, method, sequence length, optimizer and data stay in the trainer config that names it (`deepspeed: FILE`).");
        return new ExportResult([new ExportedFile(source.OutputPath, Text(source))], source.Notes);
    }

    /// <summary>The JSON text, for this target and for the companion file an axolotl export names.</summary>
    public static string Text(ExportSource source)
    {
        var plan = source.Plan;
        var sharding = plan.DeepSpeed;
        if (sharding.Engine == ShardingEngine.Fsdp)
            source.Note($"the plan shards with FSDP: written as its ZeRO equivalent, stage {sharding.ZeroStage}.");
        if (sharding.OffloadParams != OffloadTarget.None && sharding.ZeroStage < 3)
            source.Note("parameter offload needs ZeRO-3; it is not written for this stage.");
        var zero = new JsonObject
        {
            ["stage"] = sharding.ZeroStage,
            ["overlap_comm"] = true,
            ["contiguous_gradients"] = true,
        };
        if (sharding.ZeroStage == 3)
            zero["stage3_gather_16bit_weights_on_model_save"] = true;
        // The bucket sizes as the plan has them (an "auto" is filled by the HF integration from the model): they size
        // ZeRO's communication buffers, which the estimate counts.
        if (sharding.ReduceBucketAuto)
            zero["reduce_bucket_size"] = "auto";
        else if (sharding.ReduceBucketElements is { } reduce)
            zero["reduce_bucket_size"] = reduce;
        if (sharding.ZeroStage == 3 && sharding.PrefetchBucketAuto)
            zero["stage3_prefetch_bucket_size"] = "auto";
        else if (sharding.ZeroStage == 3 && sharding.PrefetchBucketElements is { } prefetch)
            zero["stage3_prefetch_bucket_size"] = prefetch;
        if (sharding.OffloadOptimizer != OffloadTarget.None && sharding.ZeroStage >= 1)
            zero["offload_optimizer"] = new JsonObject { ["device"] = sharding.OffloadOptimizer.ToConfigName(), ["pin_memory"] = true };
        if (sharding.OffloadParams != OffloadTarget.None && sharding.ZeroStage == 3)
            zero["offload_param"] = new JsonObject { ["device"] = sharding.OffloadParams.ToConfigName(), ["pin_memory"] = true };
        var training = plan.Training;
        var json = new JsonObject
        {
            ["zero_optimization"] = zero,
            ["bf16"] = new JsonObject { ["enabled"] = plan.Model.Dtype == WeightDtype.Bf16 },
            ["fp16"] = new JsonObject { ["enabled"] = plan.Model.Dtype == WeightDtype.Fp16 },
            ["train_micro_batch_size_per_gpu"] = training.MicroBatchSize,
            ["gradient_accumulation_steps"] = training.GradientAccumulationSteps,
            ["train_batch_size"] = (long)training.MicroBatchSize * training.GradientAccumulationSteps * plan.Hardware.TotalGpus,
            ["gradient_clipping"] = "auto",
        };
        return json.ToJsonString(new JsonSerializerOptions { WriteIndented = true }) + "\n";
    }
}
