using LspFineTune.Core.Estimation;
using LspFineTune.Core.Planning;

namespace LspFineTune.Core.Advice;

/// <summary>What setting one key to another value would do: the estimate it reaches and how memory and time move.</summary>
public sealed record KeyEffect(ConfigChange Change, Estimate Result, Estimate Current)
{
    public long PeakDelta => Result.Memory.PeakBytes - Current.Memory.PeakBytes;

    /// <summary>Time for the same tokens relative to now (1.33 = 33% slower); step time alone would mislead when a change alters tokens per step.</summary>
    public double TimeRatio => Result.Runtime.TokensPerSecond > 0 && Current.Runtime.TokensPerSecond > 0
        ? Current.Runtime.TokensPerSecond / Result.Runtime.TokensPerSecond
        : 1;

    /// <summary>The breakdown terms that move, largest change first.</summary>
    public IReadOnlyList<(string Term, long Delta)> TermDeltas => MemoryTermNames.All
        .Select(name => (Term: name, Delta: Result.Memory.Term(name) - Current.Memory.Term(name)))
        .Where(d => d.Delta != 0)
        .OrderByDescending(d => Math.Abs(d.Delta))
        .ToList();
}

/// <summary>
/// For the keys that drive the estimate, the values worth comparing against the current one, each estimated.
/// Hovers use it to answer "what if I flip this?" before the user edits anything.
/// </summary>
public static class KeyEffects
{
    /// <summary>The alternatives of the key at <paramref name="path"/>; empty for keys that do not change the estimate.</summary>
    public static IReadOnlyList<KeyEffect> For(Estimate current, string path) =>
        Alternatives(current.Plan, path)
            .Select(change => new KeyEffect(change, Estimate.For(PlanChanges.Apply(current.Plan, change)), current))
            .ToList();

    private static IEnumerable<ConfigChange> Alternatives(TrainingPlan plan, string path)
    {
        var training = plan.Training;
        var deepSpeed = plan.DeepSpeed;
        var zerothOrder = plan.Method.Type == FineTuneMethod.ZerothOrder;
        switch (path)
        {
            case "training.gradient_checkpointing" when !zerothOrder:
                yield return new(path, !training.GradientCheckpointing);
                break;
            case "training.attention":
                foreach (var kind in Enum.GetValues<AttentionKind>())
                {
                    if (kind != training.Attention && (kind != AttentionKind.Flash || plan.Hardware.Gpu.FlashAttention2))
                        yield return new(path, kind.ToConfigName());
                }
                break;
            case "training.micro_batch_size":
                if (training.MicroBatchSize > 1)
                    yield return new(path, training.MicroBatchSize / 2);
                yield return new(path, training.MicroBatchSize * 2);
                break;
            case "deepspeed.zero_stage" when plan.Hardware.TotalGpus > 1 || deepSpeed.ZeroStage > 0:
                for (var stage = 0; stage <= 3; stage++)
                {
                    if (stage != deepSpeed.ZeroStage)
                        yield return new(path, stage);
                }
                break;
            case "deepspeed.offload_optimizer" when deepSpeed.ZeroStage >= 1 && !zerothOrder:
                yield return new(path, (deepSpeed.OffloadOptimizer == OffloadTarget.None ? OffloadTarget.Cpu : OffloadTarget.None).ToConfigName());
                break;
            case "deepspeed.offload_params" when deepSpeed.ZeroStage == 3:
                yield return new(path, (deepSpeed.OffloadParams == OffloadTarget.None ? OffloadTarget.Cpu : OffloadTarget.None).ToConfigName());
                break;
            case "method.type" when !zerothOrder:
                yield return new(path, (plan.Method.Type == FineTuneMethod.Full ? FineTuneMethod.Lora : FineTuneMethod.Full).ToConfigName());
                break;
            case "model.quantization" when plan.Method.Type == FineTuneMethod.Lora:
                foreach (var quantization in Enum.GetValues<Quantization>())
                {
                    if (quantization != plan.Model.Quantization)
                        yield return new(path, quantization.ToConfigName());
                }
                break;
            case "model.dtype":
                foreach (var dtype in Enum.GetValues<WeightDtype>())
                {
                    if (dtype != plan.Model.Dtype && (dtype != WeightDtype.Bf16 || plan.Hardware.Gpu.NativeBf16))
                        yield return new(path, dtype.ToConfigName());
                }
                break;
            case "optimizer.type" when !zerothOrder:
                foreach (var optimizer in new[] { OptimizerType.AdamW, OptimizerType.AdamW8bit, OptimizerType.Adafactor, OptimizerType.Sgd })
                {
                    if (optimizer != plan.Optimizer.Type)
                        yield return new(path, optimizer.ToConfigName());
                }
                break;
        }
    }
}
