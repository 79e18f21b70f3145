namespace LspFineTune.Core.Runs;

/// <summary>
/// The <c>accelerate launch</c> options that start the estimate's processes (huggingface/accelerate@16cb6eb
/// <c>src/accelerate/commands/launch.py</c>: <c>--config_file</c> 159, <c>--multi_gpu</c> 177, <c>--num_processes</c> 198,
/// <c>--num_machines</c> 201, <c>--machine_rank</c> 292, <c>--main_process_ip</c> 295, <c>--main_process_port</c>).
/// </summary>
public static class AccelerateArguments
{
    /// <summary>
    /// The launch file when there is one; the counts unless the launch file gave them; <c>--multi_gpu</c> only without a
    /// launch file (with one, <c>_validate_launch_command</c> 1217-1240 takes the distributed type from the file only
    /// when no such flag is given, so the flag would drop its DeepSpeed or FSDP plugin); without a file, accelerate
    /// would start one process per visible GPU (1302-1318), so one GPU is said as <c>--num_processes 1</c>.
    /// A multi-node run names this node's rank and node 0's address.
    /// </summary>
    /// <param name="configFileOption">How the launcher spells accelerate's <c>--config_file</c> (TRL: <c>--accelerate_config</c>);
    /// null when the config names the launch file itself and it must not be named again.</param>
    public static (IReadOnlyList<string> Arguments, IReadOnlyList<string> Missing) For(LaunchTopology topology, string? configFileOption = "--config_file")
    {
        var arguments = new List<string>();
        var missing = new List<string>();
        if (topology.AccelerateConfig is { } file && configFileOption is not null)
            arguments.AddRange([configFileOption, file]);
        if (!topology.CountsReadByLauncher)
        {
            arguments.AddRange(["--num_processes", Count(topology.TotalProcesses), "--num_machines", Count(topology.Nodes)]);
            if (!topology.ReadsLaunchFile && topology.TotalProcesses > 1)
                arguments.Add("--multi_gpu");
        }
        if (topology.MultiNode)
        {
            // A launch file may hold this node's machine_rank and main_process_ip already; without one they are needed.
            if (!topology.ReadsLaunchFile)
            {
                arguments.AddRange(["--machine_rank", topology.RankOrPlaceholder, "--main_process_ip", topology.AddressOrPlaceholder, "--main_process_port", topology.PortOrDefault]);
                missing.AddRange(topology.MissingRendezvous);
            }
            else
            {
                if (topology.NodeRank is { } rank)
                    arguments.AddRange(["--machine_rank", rank]);
                if (topology.MasterAddress is { } address)
                    arguments.AddRange(["--main_process_ip", address]);
                if (topology.MasterPort is { } port)
                    arguments.AddRange(["--main_process_port", port]);
            }
        }
        return (arguments, missing);
    }

    private static string Count(int value) => value.ToString(System.Globalization.CultureInfo.InvariantCulture);
}
