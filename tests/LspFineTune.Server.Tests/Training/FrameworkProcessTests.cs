using LspFineTune.Server.Training;

namespace LspFineTune.Server.Tests.Training;

/// <summary>
/// Stopping a framework run: SIGINT reaches its whole process group (workers included), a run that ignores it gets
/// SIGTERM and then SIGKILL after the grace period, and its output is cut into segments at carriage returns.
/// The timeouts here only catch a hang; nothing is timed.
/// </summary>
public sealed class FrameworkProcessTests : IDisposable
{
    private readonly FakeFramework _framework = new();
    private readonly TempFolder _folder = new();

    public void Dispose()
    {
        _framework.Dispose();
        _folder.Dispose();
    }

    private static async Task<int> WaitAsync(FrameworkProcess process)
    {
        var wait = process.WaitAsync();
        Assert.True(await Task.WhenAny(wait, Task.Delay(TimeSpan.FromMinutes(1))) == wait, "the run did not end");
        return await wait;
    }

    private static async Task UntilAsync(Func<bool> condition)
    {
        for (var i = 0; i < 600 && !condition(); i++)
            await Task.Delay(100);
        Assert.True(condition(), "the script did not get going");
    }

    private static bool Alive(int pid) => File.Exists($"/proc/{pid}/stat") && !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ");

    [Fact]
    public async Task Stop_sends_SIGINT_to_the_whole_group_so_the_workers_stop_too()
    {
        var workerPid = Path.Combine(_folder.Path, "worker.pid");
        // The worker runs in the foreground: a POSIX shell ignores SIGINT in its background jobs.
        var worker = _framework.Script("worker", $"trap 'echo worker got INT; exit 0' INT\necho $$ > {workerPid}\nwhile true; do sleep 0.1; done\n");
        var launcher = _framework.Script("launcher", $"trap 'echo launcher got INT' INT\n{worker}\necho worker ended\nexit 130\n");
        var output = new StringWriter();
        using var process = FrameworkProcess.Start(launcher, [], [], _folder.Path, output, output, _ => { }, TimeSpan.FromMinutes(1));
        await UntilAsync(() => File.Exists(workerPid) && File.ReadAllText(workerPid).Trim().Length > 0);
        Assert.Equal("SIGINT", process.Stop());
        Assert.Equal(130, await WaitAsync(process));
        Assert.Contains("worker got INT", output.ToString());
        Assert.Contains("launcher got INT", output.ToString());
        Assert.False(Alive(int.Parse(File.ReadAllText(workerPid).Trim())));
    }

    [Fact]
    public async Task A_run_that_ignores_SIGINT_and_SIGTERM_is_killed_after_the_grace_periods()
    {
        var started = Path.Combine(_folder.Path, "started");
        var script = _framework.Script("stubborn", $"trap '' INT TERM\ntouch {started}\nwhile true; do sleep 0.1; done\n");
        using var process = FrameworkProcess.Start(script, [], [], _folder.Path, TextWriter.Null, TextWriter.Null, _ => { }, TimeSpan.FromMilliseconds(300));
        await UntilAsync(() => File.Exists(started));
        process.Stop();
        Assert.Equal(128 + 9, await WaitAsync(process));
        Assert.Equal(3, process.SignalsSent);
    }

    [Fact]
    public async Task Output_passes_through_unchanged_and_is_cut_at_carriage_returns_and_newlines()
    {
        var script = _framework.Script("bars", "printf ' 1/3\\r 2/3\\r 3/3\\n' >&2\nprintf 'done\\n'\n");
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        var segments = new List<string>();
        using var process = FrameworkProcess.Start(script, [], [], _folder.Path, stdout, stderr, segments.Add, TimeSpan.FromSeconds(5));
        Assert.Equal(0, await WaitAsync(process));
        Assert.Equal(" 1/3\r 2/3\r 3/3\n", stderr.ToString());
        Assert.Equal("done\n", stdout.ToString());
        // The two streams are read side by side: each keeps its order.
        Assert.Equal([" 1/3", " 2/3", " 3/3"], segments.Where(s => s != "done"));
        Assert.Single(segments, "done");
    }
}
