using LspFineTune.Trainer;
using LspFineTune.Trainer.Cli;
using LspFineTune.Trainer.Native;

// Every failure the user can act on is a TrainerException: one line on stderr, a documented exit code, no stack trace.
try
{
    if (args.Length == 0 || args[0] is "--help" or "-h" or "help")
    {
        Console.Error.WriteLine(Commands.Usage);
        return args.Length == 0 ? 2 : 0;
    }
    var rest = args.Skip(1).ToList();
    var isConfigPath = args[0].EndsWith(".yaml", StringComparison.OrdinalIgnoreCase) || args[0].EndsWith(".yml", StringComparison.OrdinalIgnoreCase) || args[0].EndsWith(".json", StringComparison.OrdinalIgnoreCase);
    // Before anything loads libtorch: the allocator and MKL's kernel choice decide peak memory and step time (Preloads).
    if (args[0] == "train" || isConfigPath)
        Preloads.Apply();
    return args[0] switch
    {
        "train" => Commands.Train(rest),
        "init-model" => Commands.InitModel(rest),
        "convert-llama2c" => Commands.ConvertLlama2c(rest),
        "generate" => Commands.Generate(rest),
        _ when isConfigPath => Commands.Train(args),
        var other => throw CommandLine.Usage($"unknown command `{other}`."),
    };
}
catch (TrainerException ex)
{
    Console.Error.WriteLine($"lft-train: {ex.Message}");
    return ex.ExitCode;
}
catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
{
    Console.Error.WriteLine($"lft-train: {ex.Message}");
    return 2;
}
catch (Exception ex) when (Environment.GetEnvironmentVariable("LFT_TRAIN_DEBUG") is null)
{
    // Not a known user error: still one line, with how to get the details for a bug report.
    Console.Error.WriteLine($"lft-train: internal error ({ex.GetType().Name}: {ex.Message.Split('\n')[0].Trim()}). Run with LFT_TRAIN_DEBUG=1 for the stack trace and report it.");
    return 2;
}
