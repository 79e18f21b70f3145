using LspFineTune.Core.Dialects;
using LspFineTune.Core.Estimation;
using LspFineTune.Core.Planning;

namespace LspFineTune.Core.Advice;

/// <summary>What setting one key to another value would do: the estimate it reaches and how memory and time move.</summary>
public sealed record KeyEffect(PlanChange Change, Estimate Result, Estimate Current)
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
    /// <summary>The alternatives of a plan field; empty for fields that do not change the estimate.</summary>
    public static IReadOnlyList<KeyEffect> For(Estimate current, PlanField field) =>
        Alternatives(current.Plan, field)
            .Select(change => new KeyEffect(change, Estimate.For(PlanChanges.Apply(current.Plan, change)), current))
            .ToList();

    private static IEnumerable<PlanChange> Alternatives(TrainingPlan plan, PlanField field)
    {
        var training = plan.Training;
        var deepSpeed = plan.DeepSpeed;
        var zerothOrder = plan.Method.Type == FineTuneMethod.ZerothOrder;
        switch (field)
        {
            case PlanField.GradientCheckpointing when !zerothOrder:
                yield return new(field, !training.GradientCheckpointing);
                break;
            case PlanField.Attention:
                foreach (var kind in Enum.GetValues<AttentionKind>())
                {
                    if (kind != training.Attention && (kind != AttentionKind.Flash || plan.Hardware.Gpu.FlashAttention2))
                        yield return new(field, kind);
                }
                break;
            case PlanField.MicroBatchSize:
                if (training.MicroBatchSize > 1)
                    yield return new(field, training.MicroBatchSize / 2);
                yield return new(field, training.MicroBatchSize * 2);
                break;
            case PlanField.ZeroStage when plan.Hardware.TotalGpus > 1 || deepSpeed.ZeroStage > 0:
                for (var stage = 0; stage <= 3; stage++)
                {
                    if (stage != deepSpeed.ZeroStage)
                        yield return new(field, stage);
                }
                break;
            case PlanField.OffloadOptimizer when deepSpeed.ZeroStage >= 1 && !zerothOrder:
                yield return new(field, deepSpeed.OffloadOptimizer == OffloadTarget.None ? OffloadTarget.Cpu : OffloadTarget.None);
                break;
            case PlanField.OffloadParams when deepSpeed.ZeroStage == 3:
                yield return new(field, deepSpeed.OffloadParams == OffloadTarget.None ? OffloadTarget.Cpu : OffloadTarget.None);
                break;
            case PlanField.Method when !zerothOrder:
                yield return new(field, plan.Method.Type == FineTuneMethod.Full ? FineTuneMethod.Lora : FineTuneMethod.Full);
                break;
            case PlanField.Quantization when plan.Method.Type == FineTuneMethod.Lora:
                foreach (var quantization in Enum.GetValues<Quantization>())
                {
                    if (quantization != plan.Model.Quantization)
                        yield return new(field, quantization);
                }
                break;
            case PlanField.Dtype:
                foreach (var dtype in Enum.GetValues<WeightDtype>())
                {
                    if (dtype != plan.Model.Dtype && (dtype != WeightDtype.Bf16 || plan.Hardware.Gpu.NativeBf16))
                        yield return new(field, dtype);
                }
                break;
            case PlanField.Optimizer when !zerothOrder:
                foreach (var optimizer in new[] { OptimizerType.AdamW, OptimizerType.AdamW8bit, OptimizerType.Adafactor, OptimizerType.Sgd })
                {
                    if (optimizer != plan.Optimizer.Type)
                        yield return new(field, optimizer);
                }
                break;
        }
    }
}
