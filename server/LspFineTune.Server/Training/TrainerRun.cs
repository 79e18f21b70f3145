using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text.Json.Nodes;

namespace LspFineTune.Server.Training;

/// <summary>
/// One <c>lft-train train CONFIG</c> subprocess (never in-process: libtorch's threads and memory peak belong to it).
/// Its stdout is the JSON-lines metrics protocol of docs/trainer.md (each line an event), its stderr the human log.
/// Cancel sends SIGTERM: the trainer finishes the step, checkpoints it, prints a `cancelled` event and exits 130.
/// </summary>
public sealed class TrainerRun : IDisposable
{
    public const int CancelledExitCode = 130;

    private readonly Process _process;
    private readonly Task _stdout;
    private readonly Task _stderr;

    private TrainerRun(Process process, Func<JsonObject, Task> onEvent, Action<string> onLog)
    {
        _process = process;
        _stdout = Task.Run(async () =>
        {
            while (await process.StandardOutput.ReadLineAsync().ConfigureAwait(false) is { } line)
            {
                if (BundledMetrics.Parse(line) is { } metrics)
                    await onEvent(metrics).ConfigureAwait(false);
                else if (line.Length > 0)
                    onLog(line);
            }
        });
        _stderr = Task.Run(async () =>
        {
            while (await process.StandardError.ReadLineAsync().ConfigureAwait(false) is { } line)
                onLog(line);
        });
    }

    public int ProcessId => _process.Id;

    /// <summary>Starts the trainer on a config file with extra command-line options (e.g. --max-steps, --output).</summary>
    public static TrainerRun Start(TrainerProgram trainer, string configPath, IEnumerable<string> options, Func<JsonObject, Task> onEvent, Action<string> onLog)
    {
        var start = new ProcessStartInfo(trainer.Host)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
            UseShellExecute = false,
            WorkingDirectory = Path.GetDirectoryName(configPath) ?? Environment.CurrentDirectory,
        };
        start.ArgumentList.Add(trainer.Assembly);
        start.ArgumentList.Add("train");
        start.ArgumentList.Add(configPath);
        foreach (var option in options)
            start.ArgumentList.Add(option);
        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {start.FileName}");
        return new TrainerRun(process, onEvent, onLog);
    }

    /// <summary>Waits for the process and for every line it wrote to be handled; returns its exit code.</summary>
    public async Task<int> WaitAsync()
    {
        await _process.WaitForExitAsync().ConfigureAwait(false);
        await Task.WhenAll(_stdout, _stderr).ConfigureAwait(false);
        return _process.ExitCode;
    }

    /// <summary>Asks the run to stop after its current step (SIGTERM), so it leaves a checkpoint to resume from.</summary>
    public void Cancel()
    {
        if (_process.HasExited)
            return;
        if (OperatingSystem.IsWindows() || Terminate(_process.Id, Sigterm) != 0)
            _process.Kill(entireProcessTree: true);
    }

    public void Dispose()
    {
        if (!_process.HasExited)
            _process.Kill(entireProcessTree: true);
        _process.Dispose();
    }

    private const int Sigterm = 15;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Terminate(int pid, int signal);
}
