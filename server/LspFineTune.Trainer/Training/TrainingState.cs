using System.Globalization;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LspFineTune.Trainer.Training;

/// <summary>
/// What a checkpoint holds to continue a run exactly, by tensor-name prefix: the trainable weights (param.*), the
/// optimizer state (optim.*), SensZOQ's sensitive indices (mezo_index.*: flat positions, int64; the weights under
/// param.* are then the vectors of sensitive values, so a checkpoint grows with the mask, not the model) and the CPU
/// generator state (rng.cpu).
/// Data order needs no state: batches are a function of the seed and the step.
/// </summary>
internal static class TrainingState
{
    private const string ParameterPrefix = "param.";
    private const string OptimizerPrefix = "optim.";
    private const string IndexPrefix = "mezo_index.";
    // lft-train before 2026-12 stored SensZOQ masks as dense fp32 tensors with the whole model under param.*.
    private const string DenseMaskPrefix = "mezo_mask.";
    private const string RngName = "rng.cpu";

    public static string Save(CheckpointStore store, long step, double loss, TrainedLayout layout, IParameterOptimizer? optimizer, IReadOnlyDictionary<string, Tensor>? sensitiveIndices)
    {
        using var rng = random.get_rng_state();
        var tensors = new List<(string, Tensor)>();
        tensors.AddRange(layout.Trainable.Select(p => (ParameterPrefix + p.Name, p.Value)));
        if (optimizer is not null)
            tensors.AddRange(optimizer.State().Select(s => (OptimizerPrefix + s.Name, s.Value)));
        if (sensitiveIndices is not null)
            tensors.AddRange(sensitiveIndices.Select(m => (IndexPrefix + m.Key, m.Value)));
        tensors.Add((RngName, rng));
        var metadata = new Dictionary<string, string>(layout.Metadata)
        {
            ["step"] = step.ToString(CultureInfo.InvariantCulture),
            ["loss"] = loss.ToString("R", CultureInfo.InvariantCulture),
            ["writer"] = "lft-train",
        };
        return store.Save(step, tensors, metadata);
    }

    /// <summary>Loads a checkpoint into the run; a checkpoint of another layout (rank, targets, method, optimizer,
    /// model) is refused first with what differs, before any tensor is touched.</summary>
    public static void Restore(CheckpointStore.Loaded checkpoint, TrainedLayout layout, IParameterOptimizer? optimizer)
    {
        var tensors = checkpoint.Contents.Tensors;
        var saved = ReadPrefixed(tensors, ParameterPrefix);
        var savedOptimizer = ReadPrefixed(tensors, OptimizerPrefix);
        RefuseDenseMasks(checkpoint);
        CheckpointFit.Check(checkpoint, layout, saved, savedOptimizer, ReadPrefixed(tensors, IndexPrefix).Count > 0);
        try
        {
            using (no_grad())
            {
                foreach (var (name, value) in layout.Trainable)
                    value.copy_(saved[name]);
            }
            optimizer?.LoadState(savedOptimizer);
        }
        catch (Exception ex) when (ex is not TrainerException)
        {
            // CheckpointFit covers what lft-train writes; this is for what it could not foresee (an edited state file).
            throw new TrainerException($"{checkpoint.Path}: the checkpoint does not fit this config's run ({ex.Message.Split('\n')[0].Trim()}). Start afresh in another output.dir, or without --resume.", exitCode: 1);
        }
        if (tensors.TryGetValue(RngName, out var rng))
            random.set_rng_state(rng);
    }

    private static Dictionary<string, Tensor> ReadPrefixed(IReadOnlyDictionary<string, Tensor> tensors, string prefix) =>
        tensors.Where(t => t.Key.StartsWith(prefix, StringComparison.Ordinal)).ToDictionary(t => t.Key[prefix.Length..], t => t.Value);

    /// <summary>The loss of the step the checkpoint was taken after (reported when a resumed run has no step left).</summary>
    public static double LastLoss(CheckpointStore.Loaded checkpoint) =>
        checkpoint.Contents.Metadata.TryGetValue("loss", out var text) && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var loss) ? loss : double.NaN;

    /// <summary>The sensitive indices of a SensZOQ run (copies the caller owns), or null when it had none.</summary>
    public static Dictionary<string, Tensor>? RestoreSensitiveIndices(CheckpointStore.Loaded checkpoint)
    {
        RefuseDenseMasks(checkpoint);
        return ReadPrefixed(checkpoint.Contents.Tensors, IndexPrefix) is { Count: > 0 } saved ? saved.ToDictionary(p => p.Key, p => p.Value.to(int64).clone()) : null;
    }

    /// <summary>A checkpoint of the older dense-mask format cannot be read as this one (its param.* are whole weights,
    /// not sensitive values): refused with the way out, never misread.</summary>
    private static void RefuseDenseMasks(CheckpointStore.Loaded checkpoint)
    {
        if (checkpoint.Contents.Tensors.Keys.Any(k => k.StartsWith(DenseMaskPrefix, StringComparison.Ordinal)))
            throw new TrainerException($"{checkpoint.Path}: cannot resume: the checkpoint was written by an earlier lft-train that stored SensZOQ masks densely (mezo_mask.*); this version stores the sensitive weights' indices and values and does not read that format. Start afresh in another output.dir, or without --resume (which replaces the checkpoints there).", exitCode: 1);
    }
}
