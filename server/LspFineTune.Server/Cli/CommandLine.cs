namespace LspFineTune.Server.Cli;

/// <summary>
/// The `lft` verbs. Exit codes (CONFIG.md): 0 clean, 1 the config has errors (a predicted OOM is an error),
/// 2 the tool could not run (unreadable file, bad arguments), with one line on stderr saying why.
/// </summary>
public static class CommandLine
{
    public const int Clean = 0;
    public const int ConfigHasErrors = 1;
    public const int CannotRun = 2;

    public const string Usage = """
        lft: fine-tuning configs checked, estimated and fixed before they run.

        usage:
          lft check FILE... [--format text|json|sarif]   diagnostics; exit 1 if any error; files no dialect claims are skipped
          lft estimate FILE [--json]                     memory breakdown per GPU, runtime, verdict
          lft plan FILE [--json]                         the fastest plan that fits, as edits
          lft dialects                                   the formats read and how each is recognised
          lft models | lft gpus                          the catalogs

        config options (check, estimate, plan, train --engine framework, export):
          --dialect ID                                   read FILE as this dialect instead of detecting it
          --gpu ID --gpus-per-node N --nodes N           the hardware (else the `# lft: gpu=...` modeline, the config, one a100-80gb)
          --accelerate-config PATH                       the accelerate config runs are launched with (a `# lft: accelerate=` is stronger)
          lft lsp [--stdio]                              the language server on stdin/stdout
          lft train FILE [--engine bundled|framework] [--dry-run [--json]] [--metrics FILE|-] [--force] [--set KEY=VALUE]... [trainer options] [-- framework options]
                                                         trains FILE: the bundled trainer (native, gpu: cpu) or the config's own
                                                         framework (axolotl, llamafactory-cli, tune run, trl) with the estimate's
                                                         GPUs; --dry-run prints the command; each run goes to .lft/runs.jsonl
          lft export FILE --to native|axolotl|deepspeed|accelerate [-o OUT] [--force]
                                                         the plan as another format (what it cannot express on stderr)
          lft sweep FILE [--trials N] [--early-fraction F] [--space KEY=lo..hi|V1,V2,...]... [--seed S] [--parallel P] [--json]
                                                         early-scored hyperparameter search; the best as edits to FILE
          lft data-curve FILE [--sizes N,N,...] [--budget epochs|steps] [--seed S] [--parallel P] [--json]
                                                         eval loss on nested subsets of the train data, a fitted saturation
                                                         curve and where the data set stands on it (FILE.data-curve.json)

        exit codes: 0 clean, 1 the config has errors, 2 the tool could not run.
        """;

    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        if (args.Length == 0)
        {
            stderr.WriteLine("lft: no command given; try `lft check FILE` or `lft --help`");
            return CannotRun;
        }
        try
        {
            var rest = args[1..];
            return args[0] switch
            {
                "check" => CheckCommand.Run(CommandArguments.Parse(rest, flags: ["--json"], options: ["--format", .. AnalysisArguments.Options]), stdout, stderr),
                "estimate" => EstimateCommand.Run(CommandArguments.Parse(rest, flags: ["--json"], options: AnalysisArguments.Options), stdout, stderr),
                "plan" => PlanCommand.Run(CommandArguments.Parse(rest, flags: ["--json"], options: AnalysisArguments.Options), stdout, stderr),
                "dialects" => DialectsCommand.Run(stdout),
                "models" => CatalogCommands.Models(stdout),
                "gpus" => CatalogCommands.Gpus(stdout),
                "lsp" => LspCommand.Run(CommandArguments.Parse(rest, flags: ["--stdio"], options: []), stderr),
                "train" => TrainCommand.Run(rest, stdout, stderr),
                "sweep" => SweepCommand.Run(CommandArguments.Parse(rest, SweepCommand.Flags, SweepCommand.Options, SweepCommand.Repeatable), stdout, stderr),
                "data-curve" => DataCurveCommand.Run(CommandArguments.Parse(rest, DataCurveCommand.Flags, DataCurveCommand.Options), stdout, stderr),
                "export" => ExportCommand.Run(CommandArguments.Parse(rest, flags: ["--force"], options: ExportCommand.Options), stdout, stderr),
                "--help" or "-h" or "help" => Help(stdout),
                "--version" => Version(stdout),
                _ => Unknown(args[0], stderr),
            };
        }
        catch (UsageException e)
        {
            stderr.WriteLine($"lft {args[0]}: {e.Message}");
            return CannotRun;
        }
        catch (Exception e) when (e is not OutOfMemoryException)
        {
            // The last line of defence: a defect of ours is still one plain line (exit 2), not an abort with a stack
            // trace full of build paths; LFT_DEBUG=1 prints the trace for whoever fixes it.
            stderr.WriteLine($"lft {args[0]}: internal error ({e.GetType().Name}: {e.Message.Split('\n')[0]}); nothing was written. This is a defect in lft: please report it with the input that caused it.");
            if (Environment.GetEnvironmentVariable("LFT_DEBUG") == "1")
                stderr.WriteLine(e);
            return CannotRun;
        }
    }

    private static int Help(TextWriter stdout)
    {
        stdout.WriteLine(Usage);
        return Clean;
    }

    private static int Version(TextWriter stdout)
    {
        stdout.WriteLine($"lft {typeof(CommandLine).Assembly.GetName().Version}");
        return Clean;
    }

    private static int Unknown(string verb, TextWriter stderr)
    {
        stderr.WriteLine($"lft: unknown command `{verb}`; the commands are check, estimate, plan, dialects, models, gpus, lsp, train, export, sweep, data-curve (see `lft --help`)");
        return CannotRun;
    }
}
