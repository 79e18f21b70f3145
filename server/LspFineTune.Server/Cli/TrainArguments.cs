namespace LspFineTune.Server.Cli;

/// <summary>
/// `lft train FILE [--engine bundled|framework] [--dry-run [--json]] [--force] [--metrics FILE|-] [config options]
/// [trainer options] [-- framework options]`. FILE comes first (as it always has); lft's own options are taken out;
/// what is left is the bundled trainer's (it checks them itself: --max-steps, --resume, --output, ...), and what follows
/// `--` is handed to the framework's command.
/// </summary>
public sealed record TrainArguments
{
    public const string Bundled = "bundled";
    public const string Framework = "framework";

    private static readonly string[] OwnFlags = ["--dry-run", "--json", "--force"];
    private static readonly string[] OwnOptions = ["--engine", "--metrics", .. AnalysisArguments.Options];

    public required string File { get; init; }

    /// <summary>The engine asked for; null: the default for the config (see <see cref="TrainCommand"/>).</summary>
    public string? Engine { get; init; }

    public bool DryRun { get; init; }

    public bool Json { get; init; }

    public bool Force { get; init; }

    /// <summary>Where the progress events go (the bundled trainer's metrics protocol); "-" is stdout.</summary>
    public string? Metrics { get; init; }

    /// <summary>The config options (--dialect, --gpu, ...), as the analysis verbs take them.</summary>
    public required CommandArguments Analysis { get; init; }

    /// <summary>Options lft does not know, for the bundled trainer, in their order.</summary>
    public required IReadOnlyList<string> TrainerOptions { get; init; }

    /// <summary>Everything after `--`, for the framework.</summary>
    public required IReadOnlyList<string> FrameworkOptions { get; init; }

    public static TrainArguments Parse(string[] args)
    {
        if (args.Length == 0 || args[0].StartsWith('-'))
            throw new UsageException("needs the config file to train first, e.g. `lft train examples/tiny-cpu-lora.lft.yaml` (options: see `lft --help` and docs/trainer.md)");
        var separator = Array.IndexOf(args, "--");
        var own = separator < 0 ? args[1..] : args[1..separator];
        var framework = separator < 0 ? [] : args[(separator + 1)..];
        var mine = new List<string>();
        var trainer = new List<string>();
        for (var i = 0; i < own.Length; i++)
        {
            var name = own[i].Split('=', 2)[0];
            if (OwnFlags.Contains(own[i]))
                mine.Add(own[i]);
            else if (OwnOptions.Contains(name))
            {
                mine.Add(own[i]);
                if (!own[i].Contains('=') && i + 1 < own.Length)
                    mine.Add(own[++i]);
            }
            else
                trainer.Add(own[i]);
        }
        var parsed = CommandArguments.Parse([.. mine], OwnFlags, OwnOptions);
        var engine = parsed.Option("--engine");
        if (engine is not (null or Bundled or Framework))
            throw new UsageException($"--engine takes `bundled` (lft-train, on this machine) or `framework` (the config's own: axolotl, llamafactory-cli, tune, trl), not `{engine}`");
        if (parsed.Has("--json") && !parsed.Has("--dry-run"))
            throw new UsageException("--json goes with --dry-run (it prints the command as JSON)");
        return new TrainArguments
        {
            File = args[0],
            Engine = engine,
            DryRun = parsed.Has("--dry-run"),
            Json = parsed.Has("--json"),
            Force = parsed.Has("--force"),
            Metrics = parsed.Option("--metrics"),
            Analysis = parsed,
            TrainerOptions = trainer,
            FrameworkOptions = framework,
        };
    }

    /// <summary>Whether hardware or dialect options were given (they describe a framework run, not lft-train's CPU).</summary>
    public bool HasConfigOptions => AnalysisArguments.Options.Any(o => Analysis.Option(o) is not null);
}
