using TorchSharp;
using static TorchSharp.torch;

namespace LspFineTune.Trainer.Training;

/// <summary>
/// Whether a verified checkpoint can continue this config's run, and if not, what differs in the config's own terms
/// ("method.lora.rank: 8 in the checkpoint, 16 in the config") and what to do. Read from the tensors themselves (and
/// the method and optimizer recorded with them), so it works for checkpoints of every lft-train version.
/// </summary>
internal static class CheckpointFit
{
    private sealed record Difference(string Key, string InCheckpoint, string InConfig);

    private const string LoraA = ".lora_A.";
    private const string ModelKey = "model.path";

    /// <summary>Throws a <see cref="TrainerException"/> (exit 1) naming each difference, or returns when the checkpoint fits.</summary>
    public static void Check(CheckpointStore.Loaded checkpoint, TrainedLayout layout, IReadOnlyDictionary<string, Tensor> savedWeights, IReadOnlyDictionary<string, Tensor> savedOptimizer, bool savedMasks)
    {
        var differences = Differences(checkpoint.Contents.Metadata, layout, savedWeights, savedOptimizer, savedMasks).ToList();
        if (differences.Count == 0)
            return;
        var what = string.Join("; ", differences.Select(d => $"{d.Key}: {d.InCheckpoint} in the checkpoint, {d.InConfig} in the config"));
        var settings = differences.Where(d => d.Key != ModelKey).Select(d => $"{d.Key}: {d.InCheckpoint}").ToList();
        var howToResume = settings.Count > 0 ? $"to resume, set {string.Join(" and ", settings)} again" : "to resume, train on the model the checkpoint was made with";
        throw new TrainerException(
            $"{checkpoint.Path}: cannot resume: the checkpoint was written by a run with other trainable weights ({what}). " +
            $"A checkpoint continues only the run that wrote it: {howToResume}; or start afresh in another output.dir (or without --resume, which replaces the checkpoints there).",
            exitCode: 1);
    }

    private static IEnumerable<Difference> Differences(IReadOnlyDictionary<string, string> metadata, TrainedLayout layout, IReadOnlyDictionary<string, Tensor> savedWeights, IReadOnlyDictionary<string, Tensor> savedOptimizer, bool savedMasks)
    {
        var expected = layout.Trainable.ToDictionary(p => p.Name, p => p.Value.shape, StringComparer.Ordinal);
        var savedLora = savedWeights.Keys.Any(IsLoraA);
        var configLora = expected.Keys.Any(IsLoraA);
        if (metadata.TryGetValue(TrainedLayout.MethodKey, out var savedMethod) ? savedMethod != layout.Method : savedLora != configLora)
        {
            // A method change explains every other difference; listing those too would only add noise.
            yield return new Difference("method.type", savedMethod ?? (savedLora ? "lora" : "full or zeroth_order"), layout.Method);
            yield break;
        }
        if (savedLora && configLora)
        {
            var savedTargets = TargetModules(savedWeights.Keys);
            var configTargets = TargetModules(expected.Keys);
            if (!savedTargets.SequenceEqual(configTargets))
                yield return new Difference("method.lora.target_modules", $"[{string.Join(", ", savedTargets)}]", $"[{string.Join(", ", configTargets)}]");
            var savedRank = Rank(savedWeights.Select(w => (w.Key, w.Value.shape)));
            var configRank = Rank(expected.Select(w => (w.Key, w.Value)));
            if (savedRank != configRank)
                yield return new Difference("method.lora.rank", savedRank.ToString(System.Globalization.CultureInfo.InvariantCulture), configRank.ToString(System.Globalization.CultureInfo.InvariantCulture));
            if (!savedTargets.SequenceEqual(configTargets) || savedRank != configRank)
                yield break;
        }
        var onlySaved = savedWeights.Keys.Where(k => !expected.ContainsKey(k)).Order(StringComparer.Ordinal).ToList();
        var onlyConfig = expected.Keys.Where(k => !savedWeights.ContainsKey(k)).Order(StringComparer.Ordinal).ToList();
        if (onlySaved.Count > 0 || onlyConfig.Count > 0)
            yield return new Difference(ModelKey, $"{savedWeights.Count} trainable weights ({Sample(onlySaved)} not in the config)", $"{expected.Count} ({Sample(onlyConfig)} not in the checkpoint)");
        else if (savedWeights.FirstOrDefault(w => !w.Value.shape.SequenceEqual(expected[w.Key])) is { Key: not null } reshaped)
            yield return new Difference(ModelKey, $"`{reshaped.Key}` is {Shape(reshaped.Value.shape)}", $"{Shape(expected[reshaped.Key])}");
        var savedOptimizerName = metadata.GetValueOrDefault(TrainedLayout.OptimizerKey) ?? OptimizerFromState(savedOptimizer);
        if (savedOptimizerName is not null ? savedOptimizerName != layout.Optimizer : layout.OptimizerHasState)
            yield return new Difference("optimizer.type", savedOptimizerName ?? "an optimizer without state (sgd or zeroth-order)", layout.Optimizer);
        if (savedMasks != layout.UsesMasks)
            yield return new Difference("method.zeroth_order.trainable_fraction", savedMasks ? "below 1 (a sensitive subset)" : "1 (every weight)", layout.UsesMasks ? "below 1" : "1");
    }

    private static bool IsLoraA(string name) => name.Contains(LoraA, StringComparison.Ordinal);

    /// <summary>The module names adapted ("q_proj"): the path segment before ".lora_A.".</summary>
    private static List<string> TargetModules(IEnumerable<string> names) =>
        names.Where(IsLoraA).Select(n => n[..n.IndexOf(LoraA, StringComparison.Ordinal)].Split('.')[^1]).Distinct().Order(StringComparer.Ordinal).ToList();

    /// <summary>LoRA's rank: the rows of A (r x in).</summary>
    private static long Rank(IEnumerable<(string Name, long[] Shape)> weights) =>
        weights.Where(w => IsLoraA(w.Name) && w.Shape.Length == 2).Select(w => w.Shape[0]).DefaultIfEmpty(0).Max();

    /// <summary>The optimizer whose state a checkpoint holds: its tensors are named "NAME.…" (adamw.exp_avg.…).</summary>
    private static string? OptimizerFromState(IReadOnlyDictionary<string, Tensor> state) =>
        state.Keys.Select(k => k.Split('.')[0]).Distinct().Order(StringComparer.Ordinal).FirstOrDefault();

    private static string Sample(List<string> names) => names.Count == 0 ? "none" : $"`{names[0]}`{(names.Count > 1 ? $" and {names.Count - 1} more" : "")}";

    private static string Shape(long[] shape) => $"[{string.Join(", ", shape)}]";
}
