using System.Text.Json;
using LspFineTune.Trainer.Files;

namespace LspFineTune.Trainer.Data;

/// <summary>One record of a data file (its line in JSON lines, its 1-based index in a JSON array), or why it is unusable.</summary>
public readonly record struct DataRecord(long Number, JsonElement? Value, string? Problem);

/// <summary>
/// The records of a data file as Hugging Face datasets' json loader reads them: JSON lines (one object a line, blank
/// lines ignored), or one JSON array of objects (LLaMA-Factory's alpaca_en_demo.json). A JSON lines file is streamed a
/// line at a time; an array is read whole, so it is capped at <see cref="MaxArrayBytes"/>.
/// </summary>
public static class RecordFile
{
    /// <summary>One example line may hold this much: far above any sequence length's worth of text, far below memory.</summary>
    public const int MaxLineBytes = 16 * 1024 * 1024;

    /// <summary>A JSON array file is parsed whole; beyond this, JSON lines (streamed) is the format to use.</summary>
    public const long MaxArrayBytes = 1024L * 1024 * 1024;

    public static IEnumerable<DataRecord> Read(string path, string? setting, CancellationToken cancellation, out bool isArray)
    {
        var role = FileRole.DataFile with { Setting = setting };
        using (var peek = TrainerFiles.OpenRead(path, role, cancellation))
            isArray = StartsWithArray(peek);
        return isArray ? Array(path, setting, cancellation) : Lines(TrainerFiles.OpenRead(path, role, cancellation));
    }

    private static IEnumerable<DataRecord> Lines(Stream stream)
    {
        using (stream)
        {
            foreach (var line in TextLines.Read(stream, MaxLineBytes))
            {
                if (line.Text is not null && string.IsNullOrWhiteSpace(line.Text))
                    continue;
                yield return line.Problem is not null ? new DataRecord(line.Number, null, line.Problem) : Parse(line.Number, line.Text!);
            }
        }
    }

    private static IEnumerable<DataRecord> Array(string path, string? setting, CancellationToken cancellation)
    {
        JsonElement root;
        try
        {
            var bytes = TrainerFiles.ReadAllBytes(path, new FileRole("JSON array data file", MaxArrayBytes) { Setting = setting }, cancellation);
            using var document = JsonDocument.Parse(bytes, new JsonDocumentOptions { AllowTrailingCommas = false });
            root = document.RootElement.Clone();
        }
        catch (JsonException ex)
        {
            throw new TrainerException($"{path}: not a valid JSON array of records ({Short(ex)}). Fix the file, or write it as JSON lines (one record a line).", exitCode: 1);
        }
        long index = 0;
        foreach (var record in root.EnumerateArray())
        {
            index++;
            yield return new DataRecord(index, record, null);
        }
    }

    private static DataRecord Parse(long number, string line)
    {
        try
        {
            using var document = JsonDocument.Parse(line);
            return new DataRecord(number, document.RootElement.Clone(), null);
        }
        catch (JsonException ex)
        {
            return new DataRecord(number, null, $"not valid JSON ({Short(ex)})");
        }
    }

    /// <summary>System.Text.Json appends "Path: ... | LineNumber: 0 | ..."; the file line is ours.</summary>
    private static string Short(JsonException ex) => ex.Message.Split(" Path:")[0].Split(" LineNumber:")[0].TrimEnd('.', ' ');

    /// <summary>Whether the first character after white space and a byte-order mark is '['.</summary>
    private static bool StartsWithArray(Stream stream)
    {
        var buffer = new byte[4096];
        var read = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
        var span = buffer.AsSpan(0, read);
        if (span.StartsWith(TrainerFiles.Utf8Bom))
            span = span[TrainerFiles.Utf8Bom.Length..];
        foreach (var b in span)
        {
            if (b is (byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n')
                continue;
            return b == (byte)'[';
        }
        return false;
    }
}
