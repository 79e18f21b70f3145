using LspFineTune.Core.Dialects;
using LspFineTune.Core.Estimation;
using LspFineTune.Core.Planning;

namespace LspFineTune.Core.Advice;

/// <summary>
/// Single-step fixes for a plan that does not fit (or barely fits), each estimated: the quick fixes an editor
/// offers on an out-of-memory diagnostic. The fastest one that fits and keeps the method is marked preferred.
/// </summary>
public static class QuickFixes
{
    /// <param name="savers">The memory savers the document's dialect can switch on (<see cref="IConfigDialect.SaverOptions"/>).</param>
    public static IReadOnlyList<Fix> For(Estimate current, bool binaryUnits = false, IReadOnlyList<PlanChange>? savers = null)
    {
        var plan = current.Plan;
        var candidates = new List<(string Action, PlanChange[] Changes)>();
        var training = plan.Training;
        var deepSpeed = plan.DeepSpeed;
        var gpus = plan.Hardware.TotalGpus;

        if (!training.GradientCheckpointing && plan.Method.Type != FineTuneMethod.ZerothOrder)
            candidates.Add(("Enable gradient checkpointing", [new(PlanField.GradientCheckpointing, true)]));
        if (gpus > 1 && deepSpeed.ZeroStage < 3)
            candidates.Add(("Switch to ZeRO-3", [new(PlanField.ZeroStage, 3)]));
        if (deepSpeed.OffloadOptimizer == OffloadTarget.None && current.Parameters.TrainableParameters > 0 && plan.Method.Type != FineTuneMethod.ZerothOrder)
        {
            var stage = Math.Max(deepSpeed.ZeroStage, 2);
            candidates.Add((stage != deepSpeed.ZeroStage ? $"ZeRO-{stage} with optimizer states offloaded to CPU (ZeRO-Offload)" : "Offload optimizer states to CPU (ZeRO-Offload)",
                stage != deepSpeed.ZeroStage
                    ? [new(PlanField.ZeroStage, stage), new(PlanField.OffloadOptimizer, OffloadTarget.Cpu)]
                    : [new(PlanField.OffloadOptimizer, OffloadTarget.Cpu)]));
        }
        if (deepSpeed.ZeroStage == 3 && deepSpeed.OffloadParams == OffloadTarget.None)
            candidates.Add(("Offload parameters to CPU (ZeRO-Infinity)", [new(PlanField.OffloadParams, OffloadTarget.Cpu)]));
        if (plan.Method.Type == FineTuneMethod.Full)
            candidates.Add(("Fine-tune with LoRA", [new(PlanField.Method, FineTuneMethod.Lora)]));
        if (plan.Method.Type != FineTuneMethod.ZerothOrder && plan.Model.Quantization != Quantization.Nf4)
        {
            candidates.Add(("Fine-tune with QLoRA (4-bit base)", plan.Method.Type == FineTuneMethod.Lora
                ? [new(PlanField.Quantization, Quantization.Nf4)]
                : [new(PlanField.Method, FineTuneMethod.Lora), new(PlanField.Quantization, Quantization.Nf4)]));
        }
        if (training.Attention != AttentionKind.Flash && plan.Hardware.Gpu.FlashAttention2)
            candidates.Add(("Use FlashAttention-2", [new(PlanField.Attention, AttentionKind.Flash)]));
        else if (training.Attention == AttentionKind.Eager)
            candidates.Add(("Use sdpa attention", [new(PlanField.Attention, AttentionKind.Sdpa)]));
        // Chunked, fused or cut cross-entropy and activation offloading change neither the result nor (much) the time: offered
        // before a smaller micro-batch, which they beat on edits when the time is the same.
        foreach (var saver in savers ?? [])
        {
            if (saver.Field == PlanField.LossKernel && !Equals(LossChoice.Of(plan.Savers), saver.Value))
                candidates.Add(($"Use {LossTitle((LossChoice)saver.Value)}", [saver]));
            else if (saver.Field == PlanField.ActivationOffload && training.GradientCheckpointing && plan.Savers.Offload == ActivationOffload.None)
                candidates.Add(("Offload the checkpointed activations to CPU", [saver]));
        }
        if (training.MicroBatchSize > 1)
        {
            var smaller = training.MicroBatchSize / 2;
            var accumulation = training.GradientAccumulationSteps * training.MicroBatchSize / smaller;
            if (smaller * accumulation == training.MicroBatchSize * training.GradientAccumulationSteps)
            {
                candidates.Add(($"Micro-batch {smaller} with {accumulation} accumulation steps (same global batch)",
                    [new(PlanField.MicroBatchSize, smaller), new(PlanField.GradientAccumulationSteps, accumulation)]));
            }
        }

        // As in the plan search: a fix that changes what is trained (full to LoRA, 16-bit to a 4-bit base) changes the
        // result, not only the cost, so among fixes that fit, those that keep the method come first, then the fastest.
        var fixes = candidates
            .Select(c => Evaluate(current, c.Action, c.Changes, binaryUnits))
            .OrderBy(f => f.Result.Memory.Fits ? 0 : 1)
            .ThenBy(f => f.Result.Memory.Fits && f.Changes.Any(c => c.Field is PlanField.Method or PlanField.Quantization) ? 1 : 0)
            .ThenBy(f => f.Result.Memory.Fits ? Math.Round(f.TimeRatio, 2) : f.Result.Memory.PeakBytes)
            .ThenBy(f => f.Changes.Count)
            .ThenBy(f => f.Result.Memory.Fits ? f.TimeRatio : 0)
            .ToList();
        if (fixes.Count > 0 && fixes[0].Result.Memory.Fits)
            fixes[0] = fixes[0] with { IsPreferred = true };
        return fixes;
    }

    private static string LossTitle(LossChoice loss) => loss.Kernel switch
    {
        LossKernel.Chunked => "chunked cross-entropy",
        LossKernel.ChunkedNll => "TRL's chunked NLL loss",
        LossKernel.LigerFused => "Liger's fused linear cross-entropy",
        LossKernel.CutCrossEntropy => "cut cross-entropy",
        _ => "the standard cross-entropy",
    };

    public static Fix Evaluate(Estimate current, string action, IReadOnlyList<PlanChange> changes, bool binaryUnits = false)
    {
        var result = Estimate.For(PlanChanges.Apply(current.Plan, changes));
        var ratio = current.Runtime.StepSeconds > 0 ? result.Runtime.StepSeconds / current.Runtime.StepSeconds : 1;
        return new Fix(FixTitles.Describe(action, result, ratio, binaryUnits), changes, result) { TimeRatio = ratio };
    }
}
