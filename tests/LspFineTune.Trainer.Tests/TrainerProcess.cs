using System.Diagnostics;

namespace LspFineTune.Trainer.Tests;

/// <summary>Runs the built lft-train (copied next to the tests) as a child process, as the editor does.</summary>
internal static class TrainerProcess
{
    public static ProcessStartInfo StartInfo(params string[] arguments)
    {
        var info = new ProcessStartInfo("dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        info.ArgumentList.Add(Path.Combine(AppContext.BaseDirectory, "lft-train.dll"));
        foreach (var argument in arguments)
            info.ArgumentList.Add(argument);
        // Both runs of a comparison use the same thread count, so reductions add in the same order.
        info.Environment["OMP_NUM_THREADS"] = "1";
        return info;
    }

    public static (int ExitCode, string Stdout, string Stderr) Run(params string[] arguments)
    {
        using var process = Process.Start(StartInfo(arguments))!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        process.WaitForExit();
        return (process.ExitCode, stdout.Result, stderr.Result);
    }
}
