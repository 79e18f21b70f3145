using LspFineTune.Core;
using LspFineTune.Core.Dialects;
using LspFineTune.Core.Planning;

namespace LspFineTune.Server.Cli;

/// <summary>The options every config verb shares: a forced dialect and the hardware (CONFIG.md, "The `lft` contract for dialects").</summary>
public static class AnalysisArguments
{
    public static readonly string[] Options = ["--dialect", "--gpu", "--gpus-per-node", "--nodes", "--accelerate-config"];

    public static AnalysisOptions From(CommandArguments args)
    {
        var dialect = args.Option("--dialect");
        if (dialect is not null && DialectRegistry.Default.Find(dialect) is null)
            throw new UsageException($"unknown --dialect `{dialect}` (known: {DialectRegistry.Default.KnownIds}; `lft dialects` describes them)");
        var gpu = args.Option("--gpu");
        return new AnalysisOptions
        {
            Dialect = dialect,
            Binding = new BindingOptions
            {
                // Real frameworks open the paths a config names relative to the directory they are launched from.
                WorkspaceFolder = Directory.GetCurrentDirectory(),
                Flags = gpu is null && args.Option("--gpus-per-node") is null && args.Option("--nodes") is null
                    ? null
                    : new HardwareFlags(gpu, Count(args, "--gpus-per-node"), Count(args, "--nodes")),
                // The accelerate config the run is launched with (`accelerate launch --config_file`); the modeline's
                // `accelerate=` is stronger, as a config's own word is.
                AccelerateConfigPath = args.Option("--accelerate-config"),
            },
        };
    }

    private static int? Count(CommandArguments args, string name) => args.Option(name) switch
    {
        null => null,
        var text when int.TryParse(text, out var value) && value >= 1 => value,
        var text => throw new UsageException($"{name} takes a whole number from 1 to {int.MaxValue:N0}, not `{text}`"),
    };

    /// <summary>The line for a file no dialect claims, for verbs that need a config (estimate, plan).</summary>
    public static string NotAConfig(string verb, string file) =>
        $"lft {verb}: {file} is not a fine-tuning config that lft reads (no dialect claims it); force one with --dialect ID or a `# lft: dialect=ID` comment (dialects: {DialectRegistry.Default.KnownIds})";
}
