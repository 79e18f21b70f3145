using System.Text.Json;

namespace LspFineTune.Core.Runs.Logs;

/// <summary>
/// LLaMA-Factory's <c>trainer_log.jsonl</c> in the output folder: one JSON object per log step from its LogCallback
/// (hiyouga/LLaMA-Factory@ff6d4d1 <c>src/llamafactory/train/callbacks.py</c> 272-310: <c>current_steps</c>,
/// <c>total_steps</c>, <c>loss</c>, <c>lr</c>, <c>throughput</c>, and with RECORD_VRAM <c>vram_allocated</c> and
/// <c>vram_reserved</c> in GiB, from <c>get_peak_memory</c>).
/// </summary>
public static class LlamaFactoryTrainerLog
{
    public const string FileName = "trainer_log.jsonl";

    public static LogReading? Read(string line)
    {
        if (!line.TrimStart().StartsWith('{'))
            return null;
        try
        {
            using var json = JsonDocument.Parse(line);
            if (json.RootElement.ValueKind != JsonValueKind.Object)
                return null;
            double? Get(string name) => json.RootElement.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetDouble() : null;
            var allocated = Get("vram_allocated");
            var reserved = Get("vram_reserved");
            return new LogReading
            {
                Step = Get("current_steps") is { } step ? (long)step : null,
                TotalSteps = Get("total_steps") is { } total ? (long)total : null,
                Loss = Get("loss"),
                LearningRate = Get("lr"),
                // num_input_tokens_seen over the time since the start: all GPUs together.
                TokensPerSecond = Get("throughput"),
                PeakAllocatedBytes = LogReading.GibToBytes(allocated),
                PeakReservedBytes = LogReading.GibToBytes(reserved),
                MemorySource = allocated is not null || reserved is not null ? $"LLaMA-Factory's {FileName} vram_allocated and vram_reserved (GiB)" : null,
            };
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
