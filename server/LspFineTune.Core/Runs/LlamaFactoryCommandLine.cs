using System.Globalization;
using LspFineTune.Core.Planning;

namespace LspFineTune.Core.Runs;

/// <summary>
/// LLaMA-Factory's launch (hiyouga/LLaMA-Factory@ff6d4d1). <c>llamafactory-cli train FILE</c> re-launches itself under
/// torchrun when FORCE_TORCHRUN is set or several GPUs are visible, with NNODES, NODE_RANK, NPROC_PER_NODE, MASTER_ADDR
/// and MASTER_PORT from the environment (<c>src/llamafactory/launcher.py</c> 57-68); the v1 layout is the same launcher
/// behind USE_V1 (<c>src/llamafactory/cli.py</c> 19) with the commands train/sft, dpo and rm
/// (<c>src/llamafactory/v1/launcher.py</c> 31-53). A config estimated with an accelerate launch file is run the way
/// LLaMA-Factory's FSDP examples are: <c>accelerate launch --config_file F -m llamafactory.launcher FILE</c> (launcher.py
/// 182: run as a module it trains the config).
/// </summary>
public static class LlamaFactoryCommandLine
{
    /// <summary>RECORD_VRAM makes LLaMA-Factory's LogCallback write the peak VRAM into trainer_log.jsonl in the output
    /// folder (<c>src/llamafactory/train/callbacks.py</c> 295-298: vram_allocated and vram_reserved in GiB).</summary>
    public const string RecordVram = "RECORD_VRAM";

    public static LaunchCommand For(string configPath, TrainingPlan plan, LaunchTopology topology, bool v1)
    {
        var logs = LogFormats.HuggingFaceTrainer | (plan.DeepSpeed.Engine == ShardingEngine.DeepSpeed ? LogFormats.DeepSpeed : LogFormats.None);
        var notes = new List<string> { $"{RecordVram}=1 makes LLaMA-Factory write the peak GPU memory to {plan.Output.Dir}/trainer_log.jsonl, which lft reads at the end." };
        if (topology.MultiNode)
            notes.Add(topology.MultiNodeNote);
        if (!v1 && topology.AccelerateConfig is not null)
        {
            var (accelerate, missingForAccelerate) = AccelerateArguments.For(topology);
            return new LaunchCommand("llamafactory", ["accelerate", "launch", .. accelerate, "-m", "llamafactory.launcher", configPath])
            {
                Environment = [new(RecordVram, "1")],
                Missing = missingForAccelerate,
                Logs = logs,
                OutputDir = plan.Output.Dir,
                Notes = notes,
            };
        }
        var environment = new List<KeyValuePair<string, string>>();
        if (v1)
            environment.Add(new("USE_V1", "1"));
        // NPROC_PER_NODE is read only under torchrun; one GPU is still said, so a machine with more visible GPUs does not
        // start one process per GPU (launcher.py 61: several visible GPUs launch torchrun with all of them).
        if (topology.TotalProcesses > 1)
            environment.Add(new("FORCE_TORCHRUN", "1"));
        environment.Add(new("NNODES", Count(topology.Nodes)));
        environment.Add(new("NPROC_PER_NODE", Count(topology.GpusPerNode)));
        if (topology.MultiNode)
        {
            environment.Add(new("NODE_RANK", topology.RankOrPlaceholder));
            environment.Add(new("MASTER_ADDR", topology.AddressOrPlaceholder));
            environment.Add(new("MASTER_PORT", topology.PortOrDefault));
        }
        environment.Add(new(RecordVram, "1"));
        return new LaunchCommand(v1 ? "llamafactory-v1" : "llamafactory", ["llamafactory-cli", v1 ? V1Command(plan.Objective.Type) : "train", configPath])
        {
            Environment = environment,
            Missing = topology.MissingRendezvous,
            Logs = logs,
            OutputDir = plan.Output.Dir,
            Notes = notes,
        };
    }

    /// <summary>The v1 launcher's command for the objective: sft (train), dpo (any <c>pref_loss</c>: the DPO trainer
    /// runs ORPO and SimPO too, v1/trainers/dpo_trainer.py) or rm.</summary>
    private static string V1Command(TrainingObjective objective) => objective switch
    {
        TrainingObjective.Dpo or TrainingObjective.Orpo => "dpo",
        TrainingObjective.Reward => "rm",
        _ => "sft",
    };

    private static string Count(int value) => value.ToString(CultureInfo.InvariantCulture);
}
