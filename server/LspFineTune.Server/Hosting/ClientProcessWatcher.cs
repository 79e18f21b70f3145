using System.Diagnostics;

namespace LspFineTune.Server.Hosting;

/// <summary>
/// Ends the server when the editor process named in initialize's processId dies, so a crashed editor never leaves
/// an orphaned server behind (LSP 3.17, InitializeParams.processId).
/// </summary>
public static class ClientProcessWatcher
{
    public static void Watch(int processId, ServerSession session, ServerLog log, TimeSpan? interval = null)
    {
        Process process;
        try
        {
            process = Process.GetProcessById(processId);
        }
        catch (ArgumentException)
        {
            log.Write($"client process {processId} is not running; exiting");
            session.End(1);
            return;
        }
        _ = Task.Run(async () =>
        {
            using (process)
            {
                while (!session.Exit.IsCompleted)
                {
                    await Task.WhenAny(session.Exit, Task.Delay(interval ?? TimeSpan.FromSeconds(2))).ConfigureAwait(false);
                    process.Refresh();
                    if (process.HasExited)
                    {
                        log.Write($"client process {processId} exited; exiting");
                        session.End(1);
                    }
                }
            }
        });
    }
}
