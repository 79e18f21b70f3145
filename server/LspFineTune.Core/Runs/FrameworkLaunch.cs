using LspFineTune.Core.Dialects;
using LspFineTune.Core.Dialects.Torchtune;
using LspFineTune.Core.Dialects.Trl;

namespace LspFineTune.Core.Runs;

/// <summary>
/// The command line that starts an analysed config on its own framework, with the GPUs the estimate assumed
/// (CONFIG.md "Running, exporting and tuning": <c>lft train --engine framework</c>). Each dialect names its launcher;
/// the DeepSpeed and accelerate files are companions, started by the config that names them, and the native format is
/// the bundled trainer's.
/// </summary>
public static class FrameworkLaunch
{
    /// <summary>Python writes a pipe's output in blocks; unbuffered, each log line arrives as it is printed.</summary>
    public static readonly KeyValuePair<string, string> Unbuffered = new("PYTHONUNBUFFERED", "1");

    /// <param name="configPath">The config as the command line names it (relative to the launch directory).</param>
    /// <param name="environment">This environment (NODE_RANK, MASTER_ADDR, MASTER_PORT for a multi-node run).</param>
    public static LaunchResult For(ConfigAnalysis analysis, string configPath, Func<string, string?> environment)
    {
        if (analysis.Dialect is not { } dialect)
            return LaunchResult.Refused("no dialect claims this file, so there is no framework to start; force one with --dialect ID.");
        if (dialect.Id is "native" or "deepspeed" or "accelerate")
            return LaunchResult.Refused(dialect.Id == "native"
                ? "the native format is the bundled trainer's (`--engine bundled`); for a framework, write the plan in its format first: `lft export FILE --to axolotl -o run.yaml`, then `lft train run.yaml --engine framework`."
                : $"a {dialect.DisplayName} file is a companion: it is started by the trainer config that names it (axolotl or LLaMA-Factory `deepspeed:`, `accelerate launch --config_file`); train that config.");
        if (analysis.Plan is not { } plan)
            return LaunchResult.Refused("the config has no plan to run (its model or GPU is not known); `lft check` says why.");
        var topology = LaunchTopology.Of(plan, analysis.Provenance, analysis.Binding, environment);
        var result = (dialect.Id, analysis.Binding) switch
        {
            ("axolotl", _) => LaunchResult.Of(AxolotlCommandLine.For(configPath, plan, topology)),
            ("llamafactory", _) => LaunchResult.Of(LlamaFactoryCommandLine.For(configPath, plan, topology, v1: false)),
            ("llamafactory-v1", _) => LaunchResult.Of(LlamaFactoryCommandLine.For(configPath, plan, topology, v1: true)),
            ("trl", TrlBinding trl) => TrlCommandLine.For(configPath, plan, trl, topology),
            ("torchtune", TorchtuneBinding torchtune) => TorchtuneCommandLine.For(configPath, plan, torchtune, topology),
            _ => LaunchResult.Refused($"lft does not know how to start a {dialect.DisplayName} config."),
        };
        return result.Command is { } command
            ? LaunchResult.Of(command with { Environment = [.. command.Environment, Unbuffered] })
            : result;
    }
}
