using LspFineTune.Core.Planning;

namespace LspFineTune.Core.Export;

/// <summary>
/// The plan's launch as an accelerate config (huggingface/accelerate@16cb6eb <c>commands/config/config_args.py</c>
/// <c>ClusterConfig</c>, the FSDP and DeepSpeed plugins of <c>utils/dataclasses.py</c>): the process count over all
/// machines and the machines, the distributed type, the DeepSpeed plugin's ZeRO stage and offload devices inline, or the
/// FSDP plugin (version 2, resharding after forward for ZeRO-3's memory), and the mixed precision.
/// </summary>
public static class AccelerateExport
{
    public static ExportResult Write(ExportSource source)
    {
        var plan = source.Plan;
        var sharding = plan.DeepSpeed;
        var total = plan.Hardware.TotalGpus;
        var type = sharding.ZeroStage > 0 && sharding.Engine == ShardingEngine.Fsdp ? "FSDP"
            : sharding.ZeroStage > 0 ? "DEEPSPEED"
            : total > 1 ? "MULTI_GPU"
            : "NO";
        var yaml = new YamlDocument();
        yaml.Comment($"Exported by `lft export --to accelerate` from {Path.GetFileName(source.Analysis.Binding?.Document.Path ?? "the config")}: `accelerate launch --config_file {Path.GetFileName(source.OutputPath)} ...`.");
        yaml.Key("compute_environment", "LOCAL_MACHINE").Key("debug", false).Key("distributed_type", type);
        if (type == "DEEPSPEED")
        {
            yaml.Section("deepspeed_config", d => d.Key("zero_stage", sharding.ZeroStage)
                .Key("offload_optimizer_device", sharding.OffloadOptimizer.ToConfigName())
                .Key("offload_param_device", sharding.ZeroStage == 3 ? sharding.OffloadParams.ToConfigName() : "none")
                .Key("gradient_accumulation_steps", plan.Training.GradientAccumulationSteps)
                .Key("zero3_init_flag", sharding.ZeroStage == 3));
        }
        else if (type == "FSDP")
        {
            yaml.Section("fsdp_config", f => f.Key("fsdp_version", 2).Key("fsdp_reshard_after_forward", sharding.ZeroStage == 3)
                .Key("fsdp_offload_params", sharding.OffloadOptimizer != OffloadTarget.None || sharding.OffloadParams != OffloadTarget.None)
                .Key("fsdp_activation_checkpointing", plan.Training.GradientCheckpointing)
                .Key("fsdp_auto_wrap_policy", "TRANSFORMER_BASED_WRAP").Key("fsdp_state_dict_type", "SHARDED_STATE_DICT"));
        }
        yaml.Key("machine_rank", 0).Key("main_training_function", "main")
            .Key("mixed_precision", plan.Model.Dtype switch { WeightDtype.Bf16 => "bf16", WeightDtype.Fp16 => "fp16", _ => "no" })
            .Key("num_machines", plan.Hardware.Nodes).Key("num_processes", total)
            .Key("rdzv_backend", "static").Key("same_network", true).Key("use_cpu", false);
        if (plan.Hardware.Nodes > 1)
            source.Note($"each of the {plan.Hardware.Nodes} machines needs its own copy with its machine_rank and the head's main_process_ip (or `accelerate launch --machine_rank R --main_process_ip HOST`).");
        source.Note("an accelerate config holds the launch (processes, sharding, precision) only: the model, method, batch sizes and data stay in the trainer config it launches.");
        return new ExportResult([new ExportedFile(source.OutputPath, yaml.ToString())], source.Notes);
    }
}
