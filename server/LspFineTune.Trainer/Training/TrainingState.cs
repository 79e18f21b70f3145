using System.Globalization;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LspFineTune.Trainer.Training;

/// <summary>
/// What a checkpoint holds to continue a run exactly, by tensor-name prefix: the trainable weights (param.*), the
/// optimizer state (optim.*), MeZO's sensitivity masks (mezo_mask.*) and the CPU generator state (rng.cpu).
/// Data order needs no state: batches are a function of the seed and the step.
/// </summary>
internal static class TrainingState
{
    private const string ParameterPrefix = "param.";
    private const string OptimizerPrefix = "optim.";
    private const string MaskPrefix = "mezo_mask.";
    private const string RngName = "rng.cpu";

    public static string Save(CheckpointStore store, long step, double loss, TrainedLayout layout, IParameterOptimizer? optimizer, IReadOnlyDictionary<string, Tensor>? masks)
    {
        using var rng = random.get_rng_state();
        var tensors = new List<(string, Tensor)>();
        tensors.AddRange(layout.Trainable.Select(p => (ParameterPrefix + p.Name, (Tensor)p.Parameter)));
        if (optimizer is not null)
            tensors.AddRange(optimizer.State().Select(s => (OptimizerPrefix + s.Name, s.Value)));
        if (masks is not null)
            tensors.AddRange(masks.Select(m => (MaskPrefix + m.Key, m.Value)));
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
        CheckpointFit.Check(checkpoint, layout, saved, savedOptimizer, ReadPrefixed(tensors, MaskPrefix).Count > 0);
        try
        {
            using (no_grad())
            {
                foreach (var (name, parameter) in layout.Trainable)
                    parameter.copy_(saved[name]);
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

    /// <summary>The sensitive-weight masks of a zeroth-order run (copies the caller owns), or null when it had none.</summary>
    public static Dictionary<string, Tensor>? RestoreMasks(CheckpointStore.Loaded checkpoint) =>
        ReadPrefixed(checkpoint.Contents.Tensors, MaskPrefix) is { Count: > 0 } saved ? saved.ToDictionary(p => p.Key, p => p.Value.clone()) : null;
}
