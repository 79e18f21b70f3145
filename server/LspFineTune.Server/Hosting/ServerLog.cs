using System.Globalization;

namespace LspFineTune.Server.Hosting;

/// <summary>
/// The server's log on stderr (stdout carries the protocol). VS Code shows stderr in the extension's output channel,
/// Neovim in its LSP log; stack traces go here and never into a reply.
/// </summary>
public sealed class ServerLog(TextWriter writer)
{
    private readonly object _gate = new();

    public void Write(string message)
    {
        lock (_gate)
        {
            writer.WriteLine($"[{DateTime.UtcNow.ToString("HH:mm:ss.fff", CultureInfo.InvariantCulture)}] {message}");
            writer.Flush();
        }
    }
}
