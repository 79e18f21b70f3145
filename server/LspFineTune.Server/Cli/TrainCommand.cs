using LspFineTune.Core;
using LspFineTune.Core.Files;

namespace LspFineTune.Server.Cli;

/// <summary>
/// `lft train FILE [--engine bundled|framework] [--dry-run] ...` (CONFIG.md "Running, exporting and tuning"): the bundled
/// trainer (lft-train) for the native format and for a config on <c>gpu: cpu</c>, else the config's own framework. Exit
/// codes: the run's (0 done, 130 stopped), 1 config errors, 2 the tool could not run; a framework that fails exits with
/// its own code.
/// </summary>
public static class TrainCommand
{
    public static int Run(string[] argv, TextWriter stdout, TextWriter stderr) => Run(argv, stdout, stderr, Environment.GetEnvironmentVariable);

    public static int Run(string[] argv, TextWriter stdout, TextWriter stderr, Func<string, string?> environment)
    {
        var args = TrainArguments.Parse(argv);
        if (args.Engine == TrainArguments.Bundled && args.HasConfigOptions)
            throw new UsageException("--dialect, --gpu, --gpus-per-node, --nodes and --accelerate-config describe a framework run; the bundled trainer reads the config on this machine's CPU (use --engine framework)");
        var text = RegularFile.ReadText(args.File, ConfigFileLoader.MaxFileBytes, out _);
        var analysis = ConfigFileLoader.Load(args.File, AnalysisArguments.From(args.Analysis), stderr, "train");
        if (analysis is null)
            return CommandLine.CannotRun;
        var engine = args.Engine ?? DefaultEngine(analysis);
        if (engine == TrainArguments.Framework && args.TrainerOptions.Count > 0)
            throw new UsageException($"`{args.TrainerOptions[0]}` is an option of the bundled trainer; a framework takes its own options after `--` (lft train FILE --engine framework -- OPTIONS)");
        return engine == TrainArguments.Framework
            ? FrameworkTrain.Run(args, analysis, text ?? "", stdout, stderr, environment)
            : BundledTrain.Run(args, analysis.IsClaimed ? analysis : null, text, stdout, stderr);
    }

    /// <summary>The bundled trainer where it is the config's engine (the native format; any config on <c>gpu: cpu</c>),
    /// else the config's own framework (CONFIG.md: the default for a config the bundled trainer cannot run).</summary>
    public static string DefaultEngine(ConfigAnalysis analysis) =>
        analysis.Dialect is null || analysis.Dialect.Id == "native" || analysis.Plan?.Hardware.Gpu.IsCpu == true
            ? TrainArguments.Bundled
            : TrainArguments.Framework;
}
