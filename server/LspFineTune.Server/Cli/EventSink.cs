using System.Text.Json.Nodes;

namespace LspFineTune.Server.Cli;

/// <summary>Where `--metrics` sends progress events: a file (appended, one JSON line each), stdout ("-"), or nowhere.</summary>
public sealed class EventSink : IDisposable
{
    private readonly TextWriter? _writer;
    private readonly bool _owns;

    private EventSink(TextWriter? writer, bool owns, bool onStdout)
    {
        _writer = writer;
        _owns = owns;
        OnStdout = onStdout;
    }

    public bool OnStdout { get; }

    /// <summary>Opens the target; a file that cannot be opened is a usage error (said before anything starts).</summary>
    public static EventSink Open(string? target, TextWriter stdout)
    {
        if (target is null)
            return new EventSink(null, owns: false, onStdout: false);
        if (target == "-")
            return new EventSink(stdout, owns: false, onStdout: true);
        try
        {
            return new EventSink(new StreamWriter(target, append: true) { AutoFlush = true }, owns: true, onStdout: false);
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            throw new UsageException($"--metrics {target}: cannot write it ({ex.Message})");
        }
    }

    public void Write(JsonObject line)
    {
        if (_writer is null)
            return;
        lock (_writer)
        {
            _writer.WriteLine(line.ToJsonString());
            _writer.Flush();
        }
    }

    public void Dispose()
    {
        if (_owns)
            _writer?.Dispose();
    }
}
