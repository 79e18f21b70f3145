using System.Globalization;
using LspFineTune.Core.Dialects.Torchtune;
using LspFineTune.Core.Planning;
using LspFineTune.Core.Syntax;

namespace LspFineTune.Core.Runs;

/// <summary>
/// <c>tune run [TORCHRUN-OPTIONS] RECIPE --config FILE [KEY=VALUE]</c> (pytorch/torchtune@bd2a0fc
/// <c>torchtune/_cli/run.py</c> 30-60 and 160-215: options before the recipe go to torchrun, a run without any runs the
/// recipe in this process; without <c>--rdzv_endpoint</c> torchrun is started standalone, i.e. on one node). A
/// distributed recipe is always started through torchrun (<c>docs/source/tune_cli.rst</c> 198-202:
/// <c>--nnodes=1 --nproc-per-node=N</c>); several nodes meet at node 0 (<c>recipes/full_finetune_multinode.slurm</c>:
/// <c>--nnodes 2 --nproc_per_node 8 --rdzv_backend c10d --rdzv_endpoint HEAD:29500</c>).
/// </summary>
public static class TorchtuneCommandLine
{
    /// <summary>The recipes log peak memory with their per-step metrics only when asked
    /// (<c>recipes/lora_finetune_single_device.py</c> 151, 673-678).</summary>
    public const string PeakMemoryOverride = "log_peak_memory_stats=True";

    public static LaunchResult For(string configPath, TrainingPlan plan, TorchtuneBinding binding, LaunchTopology topology)
    {
        if (binding.Recipe is not { } recipe)
            return LaunchResult.Refused("which torchtune recipe runs this config is not known; say it in the header (`# tune run lora_finetune_single_device --config FILE`) or with `# lft: recipe=NAME`.");
        var arguments = new List<string> { "tune", "run" };
        var notes = new List<string>();
        if (recipe.IsDistributed)
        {
            arguments.AddRange(["--nnodes", Count(topology.Nodes), "--nproc_per_node", Count(topology.GpusPerNode)]);
            if (topology.MultiNode)
            {
                arguments.AddRange(["--rdzv_backend", "c10d", "--rdzv_endpoint", $"{topology.AddressOrPlaceholder}:{topology.PortOrDefault}"]);
                notes.Add(topology.MultiNodeNote);
            }
        }
        else if (topology.TotalProcesses > 1)
        {
            notes.Add($"{recipe.Name} runs on one device; it is started on one GPU, while the estimate is for {topology.TotalProcesses}. A `*_distributed` recipe uses them all.");
        }
        arguments.AddRange([recipe.Name, "--config", configPath]);
        if (!LogsPeakMemory(binding))
        {
            arguments.Add(PeakMemoryOverride);
            notes.Add($"`{PeakMemoryOverride}` (a logging switch only) makes the recipe log its peak GPU memory with each step, which lft compares with the estimate.");
        }
        return LaunchResult.Of(new LaunchCommand("torchtune", arguments)
        {
            Missing = recipe.IsDistributed ? topology.MissingRendezvous.Where(v => v == "MASTER_ADDR").ToList() : [],
            Logs = LogFormats.Torchtune,
            OutputDir = plan.Output.Dir,
            Notes = notes,
        });
    }

    private static bool LogsPeakMemory(TorchtuneBinding binding) =>
        binding.Document.Tree.RootMapping?.Find("log_peak_memory_stats")?.Value is ScalarNode { } value && value.AsBoolean() == true;

    private static string Count(int value) => value.ToString(CultureInfo.InvariantCulture);
}
