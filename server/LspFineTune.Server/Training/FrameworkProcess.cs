using System.Diagnostics;
using System.Runtime.InteropServices;
using System.Text;

namespace LspFineTune.Server.Training;

/// <summary>
/// A framework's training run as a child process in a process group of its own, so that stopping it reaches every
/// process it starts (accelerate, torchrun and their workers): the group gets SIGINT (what Ctrl+C sends; the frameworks
/// and torchrun stop their workers on it), after <see cref="Grace"/> SIGTERM, after another grace SIGKILL; each further
/// <see cref="Stop"/> skips to the next signal. The group is made by <c>setsid</c> (util-linux), which puts the child in
/// a new session without forking, so the child's pid is the group's id. Its output streams through as it comes (a tqdm
/// bar's carriage returns included) and is cut into segments at <c>\r</c> and <c>\n</c> for the progress parsers.
/// </summary>
public sealed class FrameworkProcess : IDisposable
{
    private const int Sigint = 2;
    private const int Sigkill = 9;
    private const int Sigterm = 15;

    private readonly Process _process;
    private readonly bool _ownGroup;
    private readonly Task _stdout;
    private readonly Task _stderr;
    private readonly object _gate = new();
    private int _signalsSent;
    private Timer? _escalation;

    private FrameworkProcess(Process process, bool ownGroup, TextWriter stdout, TextWriter stderr, Action<string> onSegment, TimeSpan grace)
    {
        _process = process;
        _ownGroup = ownGroup;
        Grace = grace;
        var segments = new object();
        void Segment(string segment)
        {
            lock (segments)
                onSegment(segment);
        }
        _stdout = Pump(process.StandardOutput, stdout, Segment);
        _stderr = Pump(process.StandardError, stderr, Segment);
    }

    public TimeSpan Grace { get; }

    public int ProcessId => _process.Id;

    /// <summary>Which signals <see cref="Stop"/> has sent so far (for the message at the end).</summary>
    public int SignalsSent => _signalsSent;

    /// <summary>Starts <paramref name="executable"/> with the arguments after the command's program name.</summary>
    public static FrameworkProcess Start(string executable, IReadOnlyList<string> arguments, IEnumerable<KeyValuePair<string, string>> environment,
        string workingDirectory, TextWriter stdout, TextWriter stderr, Action<string> onSegment, TimeSpan grace)
    {
        var setsid = OperatingSystem.IsWindows() ? null : ExecutableSearch.Find("setsid", Environment.GetEnvironmentVariable);
        var start = new ProcessStartInfo(setsid ?? executable)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
            UseShellExecute = false,
            WorkingDirectory = workingDirectory,
        };
        if (setsid is not null)
            start.ArgumentList.Add(executable);
        foreach (var argument in arguments)
            start.ArgumentList.Add(argument);
        foreach (var (name, value) in environment)
            start.Environment[name] = value;
        var process = Process.Start(start) ?? throw new InvalidOperationException($"could not start {start.FileName}");
        return new FrameworkProcess(process, setsid is not null, stdout, stderr, onSegment, grace);
    }

    /// <summary>Waits for the process and for all its output to be passed on; returns its exit code (128 + the signal
    /// when a signal ended it, as a shell reports it).</summary>
    public async Task<int> WaitAsync()
    {
        await _process.WaitForExitAsync().ConfigureAwait(false);
        await Task.WhenAll(_stdout, _stderr).ConfigureAwait(false);
        lock (_gate)
            _escalation?.Dispose();
        return _process.ExitCode;
    }

    /// <summary>Asks the run to stop: SIGINT to its group, then SIGTERM and SIGKILL after each grace period (or now, on
    /// the next call). Returns the signal sent.</summary>
    public string Stop()
    {
        lock (_gate)
        {
            if (_process.HasExited)
                return "none (it had ended)";
            var signal = _signalsSent switch { 0 => Sigint, 1 => Sigterm, _ => Sigkill };
            _signalsSent++;
            Send(signal);
            _escalation?.Dispose();
            _escalation = signal == Sigkill ? null : new Timer(_ => Stop(), null, Grace, Timeout.InfiniteTimeSpan);
            return signal switch { Sigint => "SIGINT", Sigterm => "SIGTERM", _ => "SIGKILL" };
        }
    }

    public void Dispose()
    {
        lock (_gate)
            _escalation?.Dispose();
        if (!_process.HasExited)
            Send(Sigkill);
        _process.Dispose();
    }

    private void Send(int signal)
    {
        if (OperatingSystem.IsWindows())
        {
            _process.Kill(entireProcessTree: true);
            return;
        }
        // The whole group when the child leads one; else the child itself (and its tree, for the last signal).
        if (Kill(_ownGroup ? -_process.Id : _process.Id, signal) != 0 && signal == Sigkill)
            _process.Kill(entireProcessTree: true);
    }

    /// <summary>Copies a stream through as it arrives and cuts it into segments at each <c>\r</c> and <c>\n</c>.</summary>
    private static Task Pump(StreamReader from, TextWriter to, Action<string> onSegment) => Task.Run(async () =>
    {
        var buffer = new char[8192];
        var segment = new StringBuilder();
        int read;
        while ((read = await from.ReadAsync(buffer).ConfigureAwait(false)) > 0)
        {
            lock (to)
            {
                to.Write(buffer, 0, read);
                to.Flush();
            }
            for (var i = 0; i < read; i++)
            {
                if (buffer[i] is '\r' or '\n')
                {
                    if (segment.Length > 0)
                        onSegment(segment.ToString());
                    segment.Clear();
                }
                else if (segment.Length < MaxSegment)
                {
                    segment.Append(buffer[i]);
                }
            }
        }
        if (segment.Length > 0)
            onSegment(segment.ToString());
    });

    /// <summary>A line longer than this is not a log line the parsers read (a dumped tensor): the rest is passed through only.</summary>
    private const int MaxSegment = 64 * 1024;

    [DllImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static extern int Kill(int pid, int signal);
}
