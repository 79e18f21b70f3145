using System.Text.Json;
using System.Text.Json.Nodes;

namespace LspFineTune.Trainer.Training;

/// <summary>
/// The metrics protocol: one JSON object per line on stdout (and in the --metrics file), each with an "event" field.
/// Events and fields are documented in docs/trainer.md; the language server parses them, so only add fields.
/// Human-readable log lines go to stderr, never to stdout.
/// </summary>
public sealed class MetricsWriter : IDisposable
{
    private readonly TextWriter _stdout;
    private readonly StreamWriter? _file;

    public MetricsWriter(TextWriter stdout, string? filePath, bool append)
    {
        _stdout = stdout;
        if (filePath is not null)
        {
            Directory.CreateDirectory(Path.GetDirectoryName(Path.GetFullPath(filePath))!);
            _file = new StreamWriter(filePath, append) { AutoFlush = true };
        }
    }

    public void Write(string eventName, JsonObject fields)
    {
        var line = new JsonObject { ["event"] = eventName };
        foreach (var (key, value) in fields)
            line[key] = value?.DeepClone();
        var text = line.ToJsonString(new JsonSerializerOptions { WriteIndented = false });
        lock (_stdout)
        {
            _stdout.WriteLine(text);
            _stdout.Flush();
            _file?.WriteLine(text);
        }
    }

    /// <summary>A double as JSON; NaN and infinities (a diverged loss) become null, which JSON can carry.</summary>
    public static JsonNode? Number(double value) => double.IsFinite(value) ? JsonValue.Create(value) : null;

    public void Dispose() => _file?.Dispose();
}
