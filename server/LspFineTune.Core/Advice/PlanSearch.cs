using LspFineTune.Core.Dialects;
using LspFineTune.Core.Estimation;
using LspFineTune.Core.Planning;

namespace LspFineTune.Core.Advice;

/// <summary>The outcome of a plan search: the best plan (null when nothing fits) and how many were tried.</summary>
public sealed record PlanSearchResult(Fix? Best, int PlansTried, Estimate Current)
{
    public bool AlreadyFits => Current.Memory.Fits && Best is null;
}

/// <summary>
/// Searches {ZeRO stage, optimizer/parameter offload, gradient checkpointing, attention, micro-batch with the global
/// batch kept, LoRA/QLoRA} for the fastest plan that fits. Changing what is trained (full to LoRA, 16-bit to 4-bit)
/// changes the result, not only the cost, so such plans are chosen only when no plan that keeps the method fits.
/// Among plans of the same method, those under 90% of memory (no near-limit warning) come first, then the fastest,
/// (times within 1% count as equal), then the one with the fewest edits, then the one with the most headroom.
/// </summary>
public static class PlanSearch
{
    public const double ComfortableUtilisation = 0.9;

    /// <param name="fixedFields">Fields the document cannot express (an FSDP config has no ZeRO stage): plans that change them are skipped.</param>
    /// <param name="savers">The memory savers the document's dialect can switch on (<see cref="IConfigDialect.SaverOptions"/>).</param>
    public static PlanSearchResult FindFastestThatFits(Estimate current, bool binaryUnits = false, IReadOnlySet<PlanField>? fixedFields = null, IReadOnlyList<PlanChange>? savers = null)
    {
        var plan = current.Plan;
        Estimate? best = null;
        var bestRank = (Tier: int.MaxValue, Tight: 1, Time: long.MaxValue, Changes: int.MaxValue, Peak: long.MaxValue);
        var tried = 0;
        foreach (var candidate in Candidates(plan, savers ?? []))
        {
            tried++;
            var estimate = Estimate.For(candidate.Plan);
            if (!estimate.Memory.Fits)
                continue;
            var diff = PlanDiff.Between(plan, candidate.Plan);
            if (fixedFields is { Count: > 0 } && diff.Any(c => fixedFields.Contains(c.Field)))
                continue;
            var changes = diff.Count;
            var rank = (candidate.Tier, estimate.Memory.Utilisation > ComfortableUtilisation ? 1 : 0, TimeBucket(estimate.Runtime.StepSeconds), changes, estimate.Memory.PeakBytes);
            if (rank.CompareTo(bestRank) < 0)
            {
                best = estimate;
                bestRank = rank;
            }
        }
        if (best is null)
            return new PlanSearchResult(null, tried, current);
        var bestDiff = PlanDiff.Between(plan, best.Plan);
        if (bestDiff.Count == 0)
            return new PlanSearchResult(null, tried, current);
        var ratio = current.Runtime.StepSeconds > 0 ? best.Runtime.StepSeconds / current.Runtime.StepSeconds : 1;
        var fix = new Fix(FixTitles.Describe("Apply the fastest plan that fits", best, ratio, binaryUnits), bestDiff, best) { TimeRatio = ratio, IsPreferred = true };
        return new PlanSearchResult(fix, tried, current);
    }

    /// <summary>Step times in buckets 1% wide, so a negligible speed-up never outranks fewer edits.</summary>
    private static long TimeBucket(double seconds) => seconds > 0 ? (long)Math.Round(Math.Log(seconds) / Math.Log(1.01)) : long.MinValue;

    private static IEnumerable<(TrainingPlan Plan, int Tier)> Candidates(TrainingPlan plan, IReadOnlyList<PlanChange> savers)
    {
        foreach (var (candidate, tier) in BaseCandidates(plan))
        foreach (var loss in Losses(plan, savers))
        foreach (var offload in Offloads(candidate, savers))
            yield return (candidate with { Savers = loss.ApplyTo(candidate.Savers) with { Offload = offload } }, tier);
    }

    /// <summary>The current loss, then each loss kernel the dialect can switch to.</summary>
    private static IEnumerable<LossChoice> Losses(TrainingPlan plan, IReadOnlyList<PlanChange> savers) =>
        savers.Where(s => s.Field == PlanField.LossKernel).Select(s => (LossChoice)s.Value).Prepend(LossChoice.Of(plan.Savers)).Distinct();

    /// <summary>The current offload, and the dialect's activation offloading where the candidate checkpoints.</summary>
    private static IEnumerable<ActivationOffload> Offloads(TrainingPlan candidate, IReadOnlyList<PlanChange> savers)
    {
        // Offloading moves checkpoints: a candidate that stops checkpointing cannot keep it (axolotl and torchtune refuse).
        if (!candidate.Training.GradientCheckpointing && candidate.Savers.Offload != ActivationOffload.None)
            yield break;
        yield return candidate.Savers.Offload;
        if (candidate.Training.GradientCheckpointing && candidate.Savers.Offload == ActivationOffload.None)
        {
            foreach (var saver in savers.Where(s => s.Field == PlanField.ActivationOffload))
                yield return (ActivationOffload)saver.Value;
        }
    }

    private static IEnumerable<(TrainingPlan Plan, int Tier)> BaseCandidates(TrainingPlan plan)
    {
        foreach (var (method, tier) in Methods(plan))
        foreach (var stage in new[] { 0, 1, 2, 3 })
        foreach (var offloadOptimizer in stage >= 1 && method.Method.Type != FineTuneMethod.ZerothOrder ? new[] { OffloadTarget.None, OffloadTarget.Cpu } : [OffloadTarget.None])
        foreach (var offloadParams in stage == 3 ? new[] { OffloadTarget.None, OffloadTarget.Cpu } : [OffloadTarget.None])
        foreach (var checkpointing in method.Method.Type == FineTuneMethod.ZerothOrder ? new[] { plan.Training.GradientCheckpointing } : [false, true])
        foreach (var attention in Attentions(plan))
        foreach (var (microBatch, accumulation) in MicroBatches(plan.Training))
        {
            // Keep the user's non-DeepSpeed choices when nothing asks to change them: never turn off what they set,
            // and never offload when the stage alone would do (the ranking handles that through time).
            yield return (method with
            {
                DeepSpeed = method.DeepSpeed with
                {
                    ZeroStage = stage,
                    OffloadOptimizer = offloadOptimizer,
                    OffloadParams = offloadParams,
                },
                Training = method.Training with
                {
                    GradientCheckpointing = checkpointing,
                    Attention = attention,
                    MicroBatchSize = microBatch,
                    GradientAccumulationSteps = accumulation,
                },
            }, tier);
        }
    }

    private static IEnumerable<(TrainingPlan Plan, int Tier)> Methods(TrainingPlan plan)
    {
        yield return (plan, 0);
        if (plan.Method.Type == FineTuneMethod.Full)
            yield return (plan with { Method = plan.Method with { Type = FineTuneMethod.Lora } }, 1);
        if (plan.Method.Type != FineTuneMethod.ZerothOrder && plan.Model.Quantization != Quantization.Nf4)
        {
            yield return (plan with
            {
                Method = plan.Method with { Type = FineTuneMethod.Lora },
                Model = plan.Model with { Quantization = Quantization.Nf4 },
            }, 2);
        }
    }

    private static IEnumerable<AttentionKind> Attentions(TrainingPlan plan)
    {
        var current = plan.Training.Attention;
        // Flash before sdpa: on ties it wins, as Singh et al. 2024 recommend FlashAttention-2 where the GPU has it.
        var supported = new List<AttentionKind> { current };
        if (current != AttentionKind.Flash && plan.Hardware.Gpu.FlashAttention2)
            supported.Add(AttentionKind.Flash);
        if (current == AttentionKind.Eager)
            supported.Add(AttentionKind.Sdpa);
        // flash on a GPU without FlashAttention-2 cannot run: move it to sdpa.
        if (current == AttentionKind.Flash && !plan.Hardware.Gpu.FlashAttention2)
            supported[0] = AttentionKind.Sdpa;
        return supported;
    }

    /// <summary>The micro-batch halved down to 1, with accumulation raised so micro-batch x accumulation stays the same.</summary>
    private static IEnumerable<(int MicroBatch, int Accumulation)> MicroBatches(TrainingChoice training)
    {
        var global = training.MicroBatchSize * training.GradientAccumulationSteps;
        for (var micro = training.MicroBatchSize; micro >= 1; micro /= 2)
        {
            if (global % micro == 0)
                yield return (micro, global / micro);
            if (micro == 1)
                break;
        }
    }
}
