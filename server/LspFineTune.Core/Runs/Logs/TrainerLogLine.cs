namespace LspFineTune.Core.Runs.Logs;

/// <summary>
/// The Hugging Face Trainer's log line: <c>ProgressCallback.on_log</c> writes <c>str(logs)</c> through
/// <c>tqdm.write</c> (transformers <c>src/transformers/trainer_callback.py</c>; since transformers 5, the release axolotl
/// pins, every float is written as <c>f"{v:.4g}"</c>, a quoted string; before, the number itself with the epoch rounded
/// to 2 places). The keys are the Trainer's (<c>loss</c>, <c>grad_norm</c>, <c>learning_rate</c>, <c>epoch</c>,
/// <c>eval_loss</c>; at the end <c>train_runtime</c>, <c>train_samples_per_second</c>, <c>train_loss</c>) and the ones
/// trainers add: axolotl's <c>memory/max_allocated (GiB)</c>, <c>memory/device_reserved (GiB)</c> and
/// <c>tokens/train_per_sec_per_gpu</c> (axolotl-ai-cloud/axolotl@067b021 <c>src/axolotl/core/trainers/base.py</c>
/// 739-763). LLaMA-Factory's web UI mode logs the same keys after its logger prefix
/// (<c>[INFO|time] callbacks.py:307 &gt;&gt; {...}</c>, hiyouga/LLaMA-Factory@ff6d4d1 <c>src/llamafactory/train/callbacks.py</c> 301-307).
/// </summary>
public static class TrainerLogLine
{
    private const string LoggerSeparator = " >> ";

    public static LogReading? Read(string line)
    {
        var text = line.Trim();
        if (!text.StartsWith("{'", StringComparison.Ordinal) && text.IndexOf(LoggerSeparator + "{'", StringComparison.Ordinal) is var at and >= 0)
            text = text[(at + LoggerSeparator.Length)..];
        if (!text.StartsWith("{'", StringComparison.Ordinal) || !text.EndsWith('}'))
            return null;
        if (PythonDictLiteral.Parse(text) is not { } entries)
            return null;
        double? Get(string key) => entries.TryGetValue(key, out var value) ? PythonDictLiteral.Number(value) : null;
        var allocated = Get("memory/max_allocated (GiB)");
        var reserved = Get("memory/device_reserved (GiB)");
        var reading = new LogReading
        {
            Loss = Get("loss"),
            LearningRate = Get("learning_rate"),
            GradNorm = Get("grad_norm"),
            Epoch = Get("epoch"),
            EvalLoss = Get("eval_loss"),
            TokensPerSecondPerGpu = Get("tokens/train_per_sec_per_gpu"),
            TokensPerSecond = Get("throughput"),
            TrainRuntimeSeconds = Get("train_runtime"),
            TrainLoss = Get("train_loss"),
            SamplesPerSecond = Get("train_samples_per_second"),
            StepsPerSecond = Get("train_steps_per_second"),
            PeakAllocatedBytes = LogReading.GibToBytes(allocated),
            PeakReservedBytes = LogReading.GibToBytes(reserved),
            MemorySource = allocated is not null || reserved is not null ? "axolotl's memory/max_allocated and memory/device_reserved (GiB)" : null,
        };
        return reading == Empty ? null : reading;
    }

    private static readonly LogReading Empty = new();
}
