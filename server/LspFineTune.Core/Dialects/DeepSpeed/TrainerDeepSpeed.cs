using LspFineTune.Core.Diagnostics;
using LspFineTune.Core.Planning;
using LspFineTune.Core.Syntax;

namespace LspFineTune.Core.Dialects.DeepSpeed;

/// <summary>
/// What a DeepSpeed config does to the trainer config that names it, for every trainer on the Hugging Face
/// integration (axolotl, LLaMA-Factory, TRL, the HF Trainer): its ZeRO stage and offload become the plan's, with
/// provenance into the JSON; its optimizer block replaces the trainer's optimizer; its "auto" values and mismatches are
/// checked against the trainer's (shared/notes/dialects.md section 7).
/// </summary>
public static class TrainerDeepSpeed
{
    /// <summary>The plan's sharding from the DeepSpeed config, with provenance into it.</summary>
    public static DeepSpeedChoice Sharding(DeepSpeedReference deepSpeed, DeepSpeedSettings settings, PlanProvenance provenance)
    {
        provenance.Set(PlanField.ZeroStage, deepSpeed.SourceOf(settings.Stage.Property));
        provenance.Set(PlanField.OffloadOptimizer, deepSpeed.SourceOf(settings.OffloadOptimizerProperty));
        provenance.Set(PlanField.OffloadParams, deepSpeed.SourceOf(settings.OffloadParamsProperty));
        return new DeepSpeedChoice
        {
            Engine = ShardingEngine.DeepSpeed,
            ZeroStage = settings.Stage.Value is >= 0 and <= 3 and var stage ? stage : 0,
            OffloadOptimizer = settings.OffloadOptimizer,
            OffloadParams = settings.OffloadParams,
            PrefetchBucketElements = settings.PrefetchBucket.Value is > 0 and var prefetch ? prefetch : null,
            ReduceBucketElements = settings.ReduceBucket.Value is > 0 and var reduce ? reduce : null,
            PrefetchBucketAuto = settings.PrefetchBucket.IsAuto,
            ReduceBucketAuto = settings.ReduceBucket.IsAuto,
        };
    }

    /// <summary>The optimizer the run uses: DeepSpeed's when its config has an optimizer block, else the trainer's.</summary>
    public static OptimizerType Optimizer(DeepSpeedReference? deepSpeed, OptimizerType trainer) => deepSpeed?.Settings?.PlanOptimizer ?? trainer;

    /// <summary>The checks of a DeepSpeed config against its trainer: the optimizer it overrides (on
    /// <paramref name="optimizerProperty"/>, the trainer's optimizer key when written), its own rules, and its "auto"
    /// values. <paramref name="optimizerKey"/> is the trainer's optimizer key (<c>optim</c>, <c>optimizer</c>).</summary>
    public static void Check(DeepSpeedReference deepSpeed, DeepSpeedSettings settings, TrainerValues trainer, OptimizerType trainerOptimizer, string optimizerKey, string trainerOptimizerName, PropertyNode? optimizerProperty, List<Diagnostic> diagnostics)
    {
        if (settings.PlanOptimizer is { } dsOptimizer && dsOptimizer != trainerOptimizer)
        {
            diagnostics.Add(new Diagnostic(DiagnosticCodes.DeepSpeedOptimizerOverrides, DiagnosticSeverity.Information,
                $"The DeepSpeed config's optimizer block (`{settings.OptimizerType}`) replaces `{optimizerKey}: {trainerOptimizerName}`: DeepSpeed builds the optimizer and the trainer's is ignored, so the estimate uses {dsOptimizer.ToConfigName()} states. Remove the block to use `{trainerOptimizerName}`.",
                optimizerProperty?.Key.Range ?? deepSpeed.Key.Key.Range));
        }
        DeepSpeedRules.Add(settings, deepSpeed.Companion is { IsPreset: false } companion ? companion.Path : null, diagnostics);
        DeepSpeedAutoValues.Check(deepSpeed, trainer, diagnostics);
    }
}
