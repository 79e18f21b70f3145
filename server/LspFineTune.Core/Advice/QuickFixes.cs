using LspFineTune.Core.Estimation;
using LspFineTune.Core.Planning;

namespace LspFineTune.Core.Advice;

/// <summary>
/// Single-step fixes for a plan that does not fit (or barely fits), each estimated: the quick fixes an editor
/// offers on an out-of-memory diagnostic. The fastest one that fits is marked preferred.
/// </summary>
public static class QuickFixes
{
    public static IReadOnlyList<Fix> For(Estimate current, bool binaryUnits = false)
    {
        var plan = current.Plan;
        var candidates = new List<(string Action, ConfigChange[] Changes)>();
        var training = plan.Training;
        var deepSpeed = plan.DeepSpeed;
        var gpus = plan.Hardware.TotalGpus;

        if (!training.GradientCheckpointing && plan.Method.Type != FineTuneMethod.ZerothOrder)
            candidates.Add(("Enable gradient checkpointing", [new("training.gradient_checkpointing", true)]));
        if (gpus > 1 && deepSpeed.ZeroStage < 3)
            candidates.Add(("Switch to ZeRO-3", [new("deepspeed.zero_stage", 3)]));
        if (deepSpeed.OffloadOptimizer == OffloadTarget.None && current.Parameters.TrainableParameters > 0 && plan.Method.Type != FineTuneMethod.ZerothOrder)
        {
            var stage = Math.Max(deepSpeed.ZeroStage, 2);
            candidates.Add((stage != deepSpeed.ZeroStage ? $"ZeRO-{stage} with optimizer states offloaded to CPU (ZeRO-Offload)" : "Offload optimizer states to CPU (ZeRO-Offload)",
                stage != deepSpeed.ZeroStage
                    ? [new("deepspeed.zero_stage", stage), new("deepspeed.offload_optimizer", "cpu")]
                    : [new("deepspeed.offload_optimizer", "cpu")]));
        }
        if (deepSpeed.ZeroStage == 3 && deepSpeed.OffloadParams == OffloadTarget.None)
            candidates.Add(("Offload parameters to CPU (ZeRO-Infinity)", [new("deepspeed.offload_params", "cpu")]));
        if (plan.Method.Type == FineTuneMethod.Full)
            candidates.Add(("Fine-tune with LoRA", [new("method.type", "lora")]));
        if (plan.Method.Type != FineTuneMethod.ZerothOrder && plan.Model.Quantization != Quantization.Nf4)
        {
            candidates.Add(("Fine-tune with QLoRA (4-bit base)", plan.Method.Type == FineTuneMethod.Lora
                ? [new("model.quantization", "nf4")]
                : [new("method.type", "lora"), new("model.quantization", "nf4")]));
        }
        if (training.Attention != AttentionKind.Flash && plan.Hardware.Gpu.FlashAttention2)
            candidates.Add(("Use FlashAttention-2", [new("training.attention", "flash")]));
        else if (training.Attention == AttentionKind.Eager)
            candidates.Add(("Use sdpa attention", [new("training.attention", "sdpa")]));
        if (training.MicroBatchSize > 1)
        {
            var smaller = training.MicroBatchSize / 2;
            var accumulation = training.GradientAccumulationSteps * training.MicroBatchSize / smaller;
            if (smaller * accumulation == training.MicroBatchSize * training.GradientAccumulationSteps)
            {
                candidates.Add(($"Micro-batch {smaller} with {accumulation} accumulation steps (same global batch)",
                    [new("training.micro_batch_size", smaller), new("training.gradient_accumulation_steps", accumulation)]));
            }
        }

        var fixes = candidates
            .Select(c => Evaluate(current, c.Action, c.Changes, binaryUnits))
            .OrderBy(f => f.Result.Memory.Fits ? 0 : 1)
            .ThenBy(f => f.Result.Memory.Fits ? f.TimeRatio : f.Result.Memory.PeakBytes)
            .ToList();
        if (fixes.Count > 0 && fixes[0].Result.Memory.Fits)
            fixes[0] = fixes[0] with { IsPreferred = true };
        return fixes;
    }

    public static Fix Evaluate(Estimate current, string action, IReadOnlyList<ConfigChange> changes, bool binaryUnits = false)
    {
        var result = Estimate.For(PlanChanges.Apply(current.Plan, changes));
        var ratio = current.Runtime.StepSeconds > 0 ? result.Runtime.StepSeconds / current.Runtime.StepSeconds : 1;
        return new Fix(FixTitles.Describe(action, result, ratio, binaryUnits), changes, result) { TimeRatio = ratio };
    }
}
