using System.Runtime.InteropServices;

namespace LspFineTune.Trainer.Cli;

/// <summary>
/// SIGTERM (the editor's Cancel, `kill`) and SIGINT (Ctrl+C) for `train`. Once steps run, the first signal asks the
/// run to finish its step, checkpoint it and exit 130, so nothing is lost. Before the first step there is nothing to
/// keep, so a signal exits 130 at once, whatever the run is doing (loading libtorch, the model, the data), instead of
/// waiting for it. A second signal always exits at once: the last checkpoint written stays whole (they are renamed
/// into place).
/// </summary>
internal sealed class StopSignals : IDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly TextWriter _log;
    private readonly PosixSignalRegistration _terminate;
    private readonly PosixSignalRegistration _interrupt;
    private int _signals;
    private volatile bool _stepsRunning;

    public StopSignals(TextWriter log)
    {
        _log = log;
        _terminate = PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal);
        _interrupt = PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal);
    }

    /// <summary>Set by the first signal: the run stops after its current step.</summary>
    public CancellationToken Token => _stop.Token;

    /// <summary>From now on a first signal waits for the step and its checkpoint.</summary>
    public void StepsStarting() => _stepsRunning = true;

    private void OnSignal(PosixSignalContext context)
    {
        context.Cancel = true; // the default would end the process without the checkpoint
        if (Interlocked.Increment(ref _signals) > 1)
            ExitNow("a second stop signal: exiting without finishing the step; --resume continues from the last checkpoint written.");
        if (!_stepsRunning)
            ExitNow("stopped before the first step; nothing to keep (run again to start).");
        _stop.Cancel();
    }

    /// <summary>
    /// Ends the process at once with _exit: Environment.Exit would run libtorch's static destructors while the main
    /// thread is still inside a torch call, which then fails on the torn-down operator registry (seen as "Could not
    /// find schema for aten::normal_" or an abort, exit 134, instead of 130).
    /// </summary>
    private void ExitNow(string why)
    {
        _log.WriteLine($"lft-train: {why}");
        _log.Flush();
        Console.Out.Flush();
        if (OperatingSystem.IsWindows())
            Environment.Exit(Commands.CancelledExitCode);
        _exit(Commands.CancelledExitCode);
    }

    [DllImport("libc", EntryPoint = "_exit")]
    private static extern void _exit(int status);

    public void Dispose()
    {
        _terminate.Dispose();
        _interrupt.Dispose();
        _stop.Dispose();
    }
}
