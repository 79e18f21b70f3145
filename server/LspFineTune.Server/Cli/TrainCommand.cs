using System.Diagnostics;
using LspFineTune.Server.Training;

namespace LspFineTune.Server.Cli;

/// <summary>
/// `lft train FILE [trainer options]`: runs the bundled trainer (lft-train) on FILE as a subprocess with this
/// terminal's streams, and exits with its exit code (0 done, 1 config errors, 2 cannot run, 130 cancelled).
/// </summary>
public static class TrainCommand
{
    public static int Run(string[] args, TextWriter stderr)
    {
        if (args.Length == 0 || args[0].StartsWith('-'))
            throw new UsageException("needs the config file to train, e.g. `lft train examples/tiny-cpu-lora.lft.yaml` (options: see docs/trainer.md)");
        var trainer = TrainerLocator.Find(out var problem);
        if (trainer is null)
        {
            stderr.WriteLine($"lft train: {problem}");
            return CommandLine.CannotRun;
        }
        var start = new ProcessStartInfo(trainer.Host)
        {
            UseShellExecute = false,
        };
        start.ArgumentList.Add(trainer.Assembly);
        start.ArgumentList.Add("train");
        foreach (var arg in args)
            start.ArgumentList.Add(arg);
        using var process = Process.Start(start);
        if (process is null)
        {
            stderr.WriteLine($"lft train: could not start {start.FileName}");
            return CommandLine.CannotRun;
        }
        process.WaitForExit();
        return process.ExitCode;
    }
}
