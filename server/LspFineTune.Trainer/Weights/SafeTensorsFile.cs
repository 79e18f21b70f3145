using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using static TorchSharp.torch;

namespace LspFineTune.Trainer.Weights;

/// <summary>
/// The safetensors format (Hugging Face): an 8-byte little-endian header length, a JSON header mapping each tensor
/// name to {dtype, shape, data_offsets [begin, end)} relative to the data section, an optional string map
/// <c>__metadata__</c>, then the raw little-endian tensor bytes. TorchSharp has no reader, so this is one.
/// Reading validates every offset and size, so a truncated or edited file is reported, never half-loaded.
/// </summary>
public static class SafeTensorsFile
{
    private const string MetadataKey = "__metadata__";

    private static readonly Dictionary<string, ScalarType> DtypeByName = new(StringComparer.Ordinal)
    {
        ["F32"] = ScalarType.Float32,
        ["F16"] = ScalarType.Float16,
        ["BF16"] = ScalarType.BFloat16,
        ["F64"] = ScalarType.Float64,
        ["I64"] = ScalarType.Int64,
        ["I32"] = ScalarType.Int32,
        ["U8"] = ScalarType.Byte,
        ["BOOL"] = ScalarType.Bool,
    };

    /// <summary>Tensors (owned by the caller) and the metadata map of one file.</summary>
    public sealed record Contents(Dictionary<string, Tensor> Tensors, IReadOnlyDictionary<string, string> Metadata) : IDisposable
    {
        public void Dispose()
        {
            foreach (var tensor in Tensors.Values)
                tensor.Dispose();
        }
    }

    public static Contents Read(string path, CancellationToken cancellation = default) =>
        Parse(Files.TrainerFiles.ReadAllBytes(path, Files.FileRole.Weights, cancellation), path);

    internal static Contents Parse(byte[] bytes, string source)
    {
        if (bytes.Length < 8)
            throw Corrupt(source, "shorter than the 8-byte header length");
        var headerLength = BitConverter.ToUInt64(bytes, 0);
        if (headerLength > (ulong)(bytes.Length - 8))
            throw Corrupt(source, $"header length {headerLength} runs past the end of the file ({bytes.Length} bytes)");
        JsonObject header;
        try
        {
            header = JsonNode.Parse(Encoding.UTF8.GetString(bytes, 8, (int)headerLength)) as JsonObject
                ?? throw Corrupt(source, "the header is not a JSON object");
        }
        catch (JsonException ex)
        {
            throw Corrupt(source, $"the header is not valid JSON ({ex.Message})");
        }
        var dataStart = 8 + (long)headerLength;
        var dataLength = bytes.Length - dataStart;
        var tensors = new Dictionary<string, Tensor>(StringComparer.Ordinal);
        var metadata = new Dictionary<string, string>(StringComparer.Ordinal);
        try
        {
            foreach (var (name, node) in header)
            {
                if (name == MetadataKey)
                {
                    if (node is JsonObject map)
                    {
                        foreach (var (key, value) in map)
                            metadata[key] = value?.GetValue<string>() ?? "";
                    }
                    continue;
                }
                tensors[name] = ReadTensor(bytes, dataStart, dataLength, name, node as JsonObject, source);
            }
        }
        catch
        {
            foreach (var tensor in tensors.Values)
                tensor.Dispose();
            throw;
        }
        return new Contents(tensors, metadata);
    }

    private static Tensor ReadTensor(byte[] bytes, long dataStart, long dataLength, string name, JsonObject? entry, string source)
    {
        try
        {
            var dtypeName = entry?["dtype"]?.GetValue<string>() ?? throw Corrupt(source, $"tensor `{name}` has no dtype");
            if (!DtypeByName.TryGetValue(dtypeName, out var dtype))
                throw new TrainerException($"{source}: tensor `{name}` has dtype {dtypeName}; lft-train reads {string.Join(", ", DtypeByName.Keys)}.");
            var shape = (entry["shape"] as JsonArray ?? throw Corrupt(source, $"tensor `{name}` has no shape")).Select(d => d!.GetValue<long>()).ToArray();
            var offsets = entry["data_offsets"] as JsonArray ?? throw Corrupt(source, $"tensor `{name}` has no data_offsets");
            var begin = offsets[0]!.GetValue<long>();
            var end = offsets[1]!.GetValue<long>();
            var expected = shape.Aggregate(1L, (a, b) => a * b) * ElementSize(dtype);
            if (begin < 0 || end < begin || end > dataLength)
                throw Corrupt(source, $"tensor `{name}` spans bytes [{begin}, {end}) but the data section has {dataLength} (truncated file?)");
            if (end - begin != expected)
                throw Corrupt(source, $"tensor `{name}` has {end - begin} bytes but dtype {dtypeName} and shape [{string.Join(", ", shape)}] need {expected}");
            var result = empty(shape, dtype);
            if (expected > 0)
                result.bytes = bytes.AsSpan((int)(dataStart + begin), (int)expected);
            return result;
        }
        catch (Exception ex) when (ex is InvalidOperationException or FormatException or ArgumentException or NullReferenceException)
        {
            throw Corrupt(source, $"tensor `{name}` has a malformed header entry ({ex.Message})");
        }
    }

    /// <summary>Writes the tensors in the given order, via a temp file renamed into place (a reader never sees half a file).</summary>
    public static void Write(string path, IEnumerable<(string Name, Tensor Tensor)> tensors, IReadOnlyDictionary<string, string>? metadata = null)
    {
        var header = new JsonObject();
        if (metadata is { Count: > 0 })
        {
            var map = new JsonObject();
            foreach (var (key, value) in metadata)
                map[key] = value;
            header[MetadataKey] = map;
        }
        var payloads = new List<byte[]>();
        long offset = 0;
        foreach (var (name, value) in tensors)
        {
            using var contiguous = value.detach().contiguous();
            var data = contiguous.bytes.ToArray();
            header[name] = new JsonObject
            {
                ["dtype"] = DtypeByName.First(p => p.Value == contiguous.dtype).Key,
                ["shape"] = new JsonArray(contiguous.shape.Select(d => (JsonNode)d).ToArray()),
                ["data_offsets"] = new JsonArray(offset, offset + data.Length),
            };
            payloads.Add(data);
            offset += data.Length;
        }
        var headerBytes = Encoding.UTF8.GetBytes(header.ToJsonString());
        // Pad with spaces so the data section starts 8-byte aligned, as the reference writer does.
        var padded = (headerBytes.Length + 7) / 8 * 8;
        var directory = Path.GetDirectoryName(Path.GetFullPath(path))!;
        Directory.CreateDirectory(directory);
        var temp = Path.Combine(directory, $".{Path.GetFileName(path)}.{Guid.NewGuid():N}.tmp");
        using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write))
        {
            stream.Write(BitConverter.GetBytes((ulong)padded));
            stream.Write(headerBytes);
            for (var i = headerBytes.Length; i < padded; i++)
                stream.WriteByte((byte)' ');
            foreach (var payload in payloads)
                stream.Write(payload);
            stream.Flush(flushToDisk: true);
        }
        File.Move(temp, path, overwrite: true);
    }

    private static long ElementSize(ScalarType dtype) => dtype switch
    {
        ScalarType.Float64 or ScalarType.Int64 => 8,
        ScalarType.Float32 or ScalarType.Int32 => 4,
        ScalarType.Float16 or ScalarType.BFloat16 => 2,
        _ => 1,
    };

    private static TrainerException Corrupt(string source, string what) =>
        new($"{source}: not a valid safetensors file: {what}. Re-create or re-download the file.");
}
