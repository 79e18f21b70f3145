using LspFineTune.Core.Dialects;
using LspFineTune.Core.Planning;

namespace LspFineTune.Core.Runs;

/// <summary>
/// The processes a framework run starts, as the estimate assumed them: GPUs per node and nodes from the plan's hardware
/// (flag, modeline, launch file, settings or default, CONFIG.md "Hardware"), the accelerate config the run is launched
/// with, and for a multi-node run where node 0 is (the rendezvous every launcher needs on every node).
/// </summary>
public sealed record LaunchTopology
{
    public required int GpusPerNode { get; init; }

    public required int Nodes { get; init; }

    public int TotalProcesses => GpusPerNode * Nodes;

    /// <summary>The accelerate config file the binding read as the run's launch file (absolute), when there is one.</summary>
    public string? AccelerateConfig { get; init; }

    /// <summary>accelerate reads a launch file (this one, or a preset the config names, as TRL's
    /// <c>accelerate_config: zero3</c>): its distributed type decides, so no <c>--multi_gpu</c> may override it.</summary>
    public bool ReadsLaunchFile { get; init; }

    /// <summary>The counts come from what the launcher reads itself (the accelerate config, or the config's own keys,
    /// as TRL's forwarded <c>num_processes</c>): no flag needs to repeat them. Counts from a flag, the modeline or a
    /// setting are the estimate's and must be said.</summary>
    public bool CountsReadByLauncher { get; init; }

    /// <summary>This node's rank (NODE_RANK), the head node's address (MASTER_ADDR) and port (MASTER_PORT), as torchrun,
    /// LLaMA-Factory's launcher and SLURM-style scripts name them; null when the environment does not say.</summary>
    public string? NodeRank { get; init; }

    public string? MasterAddress { get; init; }

    public string? MasterPort { get; init; }

    public bool MultiNode => Nodes > 1;

    /// <summary>The rendezvous variables a multi-node run lacks (none for one node).</summary>
    public IReadOnlyList<string> MissingRendezvous =>
        !MultiNode ? [] : new[] { ("NODE_RANK", NodeRank), ("MASTER_ADDR", MasterAddress) }.Where(v => v.Item2 is null).Select(v => v.Item1).ToList();

    /// <summary>The value for the command line, or <c>$NAME</c> for the shell to fill when it is not known here.</summary>
    public string RankOrPlaceholder => NodeRank ?? "$NODE_RANK";

    public string AddressOrPlaceholder => MasterAddress ?? "$MASTER_ADDR";

    /// <summary>torchrun's default port (torch.distributed.run: <c>--master_port</c> 29500) when none is given.</summary>
    public string PortOrDefault => MasterPort ?? "29500";

    /// <summary>The note every multi-node command carries.</summary>
    public string MultiNodeNote =>
        $"{Nodes} nodes: run this same command on each of them with NODE_RANK=0..{Nodes - 1} and MASTER_ADDR (and MASTER_PORT, default 29500) naming node 0.";

    public static LaunchTopology Of(TrainingPlan plan, PlanProvenance provenance, DialectBinding? binding, Func<string, string?> environment)
    {
        string? Variable(string name) => environment(name) is { Length: > 0 } value ? value : null;
        var launch = (binding as TrainerBinding)?.Launch;
        return new LaunchTopology
        {
            GpusPerNode = plan.Hardware.GpusPerNode,
            Nodes = plan.Hardware.Nodes,
            AccelerateConfig = launch?.Path,
            ReadsLaunchFile = launch is not null,
            CountsReadByLauncher = provenance.Of(PlanField.GpusPerNode).Origin is ValueOrigin.LaunchFile or ValueOrigin.Document
                && provenance.Of(PlanField.Nodes).Origin is ValueOrigin.LaunchFile or ValueOrigin.Document,
            NodeRank = Variable("NODE_RANK"),
            MasterAddress = Variable("MASTER_ADDR"),
            MasterPort = Variable("MASTER_PORT"),
        };
    }
}
