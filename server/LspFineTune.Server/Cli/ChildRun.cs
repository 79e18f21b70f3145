using System.Runtime.InteropServices;
using LspFineTune.Server.Training;

namespace LspFineTune.Server.Cli;

/// <summary>
/// Runs a training child process for a terminal: Ctrl+C (SIGINT) and SIGTERM to <c>lft</c> do not end <c>lft</c>
/// itself but stop the run (<see cref="FrameworkProcess.Stop"/>: SIGINT to its process group, then SIGTERM, then SIGKILL;
/// a second Ctrl+C goes to the next one at once), so the summary and the run history are still written.
/// </summary>
public static class ChildRun
{
    /// <summary>How long a run has to stop on SIGINT before it gets SIGTERM, and on SIGTERM before SIGKILL: long enough for
    /// torchrun to stop its workers and a trainer to finish a step.</summary>
    public static readonly TimeSpan DefaultGrace = TimeSpan.FromSeconds(30);

    public sealed record Result(int ExitCode, bool Stopped, string? LastSignal);

    public static async Task<Result> RunAsync(FrameworkProcess process, TextWriter stderr, string name)
    {
        string? last = null;
        void OnSignal(PosixSignalContext context)
        {
            // Keep lft running: it reports the end of the run, whatever ended it.
            context.Cancel = true;
            last = process.Stop();
            lock (stderr)
                stderr.WriteLine($"\nlft train: stopping {name} ({last} to its process group; again to stop it harder, after {process.Grace.TotalSeconds:0} s it is escalated)");
        }
        using var interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
        using var terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        var exit = await process.WaitAsync().ConfigureAwait(false);
        return new Result(exit, process.SignalsSent > 0, last);
    }
}
