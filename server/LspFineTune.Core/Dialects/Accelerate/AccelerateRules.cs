using LspFineTune.Core.Diagnostics;
using LspFineTune.Core.Editing;
using LspFineTune.Core.Syntax;
using static LspFineTune.Core.Planning.SyntaxReader;

namespace LspFineTune.Core.Dialects.Accelerate;

/// <summary>
/// What <c>accelerate launch</c> (huggingface/accelerate@16cb6eb) refuses or quietly does with a config file, as
/// diagnostics on its keys: PyYAML's reading of a plain <c>NO</c>,
/// processes that do not divide over the machines, DeepSpeed settings beside <c>deepspeed_config_file</c>, FSDP keys
/// the chosen FSDP version does not read, and parallelism sizes that do not multiply to the process count.
/// </summary>
internal static class AccelerateRules
{
    public static void Add(AccelerateSettings settings, List<Diagnostic> diagnostics)
    {
        var root = settings.Root;
        void Refuse(PropertyNode property, string message) => diagnostics.Add(Diagnostic.Error(DiagnosticCodes.FrameworkRefuses, message, property.Key.Range));
        void Warn(PropertyNode property, string message) => diagnostics.Add(Diagnostic.Warning(DiagnosticCodes.FrameworkWarns, message, property.Key.Range));

        // YAML 1.1 (PyYAML, which reads the file) takes a plain NO/no/off as false (shared/notes/dialects.md 6a).
        if (settings.DistributedTypeProperty is { Value: ScalarNode { Style: ScalarStyle.Plain } type } && IsYaml11False(type.Value))
        {
            var consequence = root.Find("num_processes") is null && String(root, "compute_environment") != "AMAZON_SAGEMAKER"
                ? " and, without `num_processes`, `accelerate launch` stops (\"You need to manually pass in `--num_processes`\", config_args.py 108, commands/launch.py 1286)"
                : "";
            diagnostics.Add(Diagnostic.Warning(DiagnosticCodes.FrameworkWarns,
                $"PyYAML, which accelerate reads the file with, takes a plain `{type.Value}` as false, not the string \"NO\": the run is still not distributed, but accelerate's defaults for `NO` are skipped{consequence}. Quote it: `'NO'` (as `accelerate config` writes it).",
                type.Range) with
            {
                Fixes = [new CodeFix("Quote it: 'NO'", [new FileEdit(null, [new TextEdit(type.Range, "'NO'")])]) { IsPreferred = true }],
            });
        }
        // utils/launch.py 169: `args.mixed_precision.lower()` on the boolean a plain `no` becomes.
        if (root.Find("mixed_precision") is { Value: ScalarNode { Style: ScalarStyle.Plain } precision } && IsYaml11False(precision.Value))
        {
            diagnostics.Add(Diagnostic.Error(DiagnosticCodes.FrameworkRefuses,
                $"PyYAML takes a plain `mixed_precision: {precision.Value}` as false, and `accelerate launch` fails on it (utils/launch.py 169 calls `.lower()` on the value). Quote it: `'no'`.",
                precision.Range) with
            {
                Fixes = [new CodeFix("Quote it: 'no'", [new FileEdit(null, [new TextEdit(precision.Range, "'no'")])]) { IsPreferred = true }],
            });
        }

        // utils/launch.py 113, 217: each machine runs num_processes // num_machines processes.
        if (settings.NumProcesses is { } processes && settings.NumMachines > 1 && processes % settings.NumMachines != 0)
        {
            Warn(settings.NumProcessesProperty!,
                $"`num_processes` is the total over all machines: accelerate starts {processes} // {settings.NumMachines} = {processes / settings.NumMachines} on each of the {settings.NumMachines} machines, so {processes - processes / settings.NumMachines * settings.NumMachines} of the {processes} never run. Make it a multiple of `num_machines` (e.g. {Math.Max(1, processes / settings.NumMachines) * settings.NumMachines}).");
        }
        // commands/launch.py 1324 (launch_command): `NO` uses the simple launcher, one process whatever num_processes says.
        if (settings.DistributedType == "NO" && settings.NumProcesses is > 1 && !settings.UsesCpu)
        {
            Warn(settings.NumProcessesProperty!,
                $"`distributed_type: NO` runs one process (accelerate's simple launcher), so `num_processes: {settings.NumProcesses}` is not used. Set `distributed_type: MULTI_GPU` (or FSDP/DEEPSPEED) to run {settings.NumProcesses} processes, or `num_processes: 1`.");
        }

        if (settings.DeepSpeed is { Block: { } block, ConfigFile: not null })
        {
            // dataclasses.py 1508-1532 (_deepspeed_config_checks) with commands/launch.py 1388-1390.
            foreach (var key in AccelerateDeepSpeed.KeysIgnoredWithFile)
            {
                if (block.Find(key) is { } inline)
                    Refuse(inline, $"accelerate refuses `{key}` beside `deepspeed_config_file` (\"the following accelerate config variables will be ignored\"): the DeepSpeed JSON holds it. Remove `{key}` and set it in {Scalar(block, "deepspeed_config_file")!.Value}.");
            }
            if (root.Find("mixed_precision") is { Value: ScalarNode { IsNull: false } } mixed)
                Refuse(mixed, $"accelerate refuses `mixed_precision` with `deepspeed_config_file` (it would be ignored): the DeepSpeed JSON's bf16/fp16 blocks decide. Remove `mixed_precision`.");
        }

        if (settings.Fsdp is { Block: not null } fsdp)
            AddFsdp(fsdp, Refuse, Warn);

        if (settings.ParallelismProperty is { } parallelism && settings.ParallelismSize is > 1 and var total)
        {
            var sequenceParallelByDeepSpeed = (parallelism.Value as MappingNode)?.Find("parallelism_config_sp_size") is not null
                && String(parallelism.Value as MappingNode, "parallelism_config_sp_backend") is null or "deepspeed";
            // parallelism_config.py 380-386: FSDP2, a multi-device type or DeepSpeed.
            if ((settings.DistributedType == "FSDP" && settings.Fsdp?.Version != 2) || settings.DistributedType is "NO" or "XLA" or "MEGATRON_LM")
                Refuse(parallelism, $"accelerate refuses `parallelism_config` with {(settings.DistributedType == "FSDP" ? "FSDP1" : $"`distributed_type: {settings.DistributedType}`")}: it needs FSDP2 (`fsdp_version: 2`), a multi-device type or DeepSpeed.");
            // parallelism_config.py 369-376: the sizes multiply to the world size (DeepSpeed's sequence parallelism excepted).
            else if (settings.NumProcesses is { } world && world != total && !sequenceParallelByDeepSpeed)
                Refuse(parallelism, $"accelerate refuses parallelism sizes whose product ({total}) is not `num_processes` ({world}) (\"ParallelismConfig total_size does not match num_processes\"). Adjust the sizes or `num_processes`.");
        }
    }

    private static void AddFsdp(AccelerateFsdp fsdp, Action<PropertyNode, string> refuse, Action<PropertyNode, string> warn)
    {
        if (fsdp.Version == 2)
        {
            // dataclasses.py 1869: FSDP2 takes a boolean.
            if (fsdp.Find("reshard_after_forward") is { Value: ScalarNode value } reshard && value.AsBoolean() is null && value.Value.ToLowerInvariant() is not ("true" or "false" or "yes" or "no" or "1" or "0"))
                refuse(reshard, $"accelerate refuses `{reshard.Key.Value}: {value.Value}` with FSDP2 (\"This is not supported with FSDP2, please set to a `bool`\"). Write true (full shard) or false (keep parameters gathered, like SHARD_GRAD_OP).");
            // dataclasses.py 1836: the strategy is read only for FSDP1.
            if (fsdp.Find("sharding_strategy") is { } strategy)
                warn(strategy, $"FSDP2 does not read `{strategy.Key.Value}` (accelerate passes it to FSDP1 only); `fsdp_reshard_after_forward` decides (true: full shard, false: like SHARD_GRAD_OP).");
            // dataclasses.py 1895: accelerate warns and drops it.
            if (fsdp.Scalar("backward_prefetch") is { } prefetch && !string.Equals(prefetch.Value, "NO_PREFETCH", StringComparison.OrdinalIgnoreCase) && !prefetch.IsNull)
                warn(fsdp.Find("backward_prefetch")!, "accelerate warns that `backward_prefetch` is not supported in FSDP2 and drops it.");
            // dataclasses.py 1945: forward prefetch is an FSDP1 setting; FSDP2 never reads it.
            if (fsdp.Flag("forward_prefetch"))
                warn(fsdp.Find("forward_prefetch")!, "FSDP2 does not implement forward prefetch: accelerate reads `forward_prefetch` only for FSDP1, so it has no effect. Remove it, or use `fsdp_version: 1`.");
            // dataclasses.py 2052.
            if (fsdp.Scalar("state_dict_type")?.Value.ToUpperInvariant() == "LOCAL_STATE_DICT")
                refuse(fsdp.Find("state_dict_type")!, "accelerate refuses `LOCAL_STATE_DICT` with FSDP2 (\"FSDP2 does not support LOCAL_STATE_DICT\"). Use SHARDED_STATE_DICT or FULL_STATE_DICT.");
        }
        else if (fsdp.Find("reshard_after_forward") is { } reshard)
        {
            // accelerator.py 1940: FSDP1 shards by the strategy, which the launcher always sets (default FULL_SHARD).
            warn(reshard, $"FSDP1 does not read `{reshard.Key.Value}`: accelerate shards by `fsdp_sharding_strategy` (default FULL_SHARD). Set the strategy instead, or `fsdp_version: 2`.");
        }
        // utils/launch.py 306.
        if (fsdp.Flag("cpu_ram_efficient_loading") && fsdp.Scalar("sync_module_states")?.AsBoolean() == false)
            refuse(fsdp.Find("sync_module_states")!, "`accelerate launch` refuses `fsdp_cpu_ram_efficient_loading` without `fsdp_sync_module_states` (\"When using `--fsdp_cpu_ram_efficient_loading` set `--fsdp_sync_module_states` to `True`\"). Set `fsdp_sync_module_states: true`.");
    }

    private static bool IsYaml11False(string text) => text is "NO" or "No" or "no" or "OFF" or "Off" or "off";
}
