using LspFineTune.Trainer.Models;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LspFineTune.Trainer.Training;

/// <summary>
/// SensZOQ's static sensitive subset (Guo et al. 2024, "Zeroth-Order Fine-Tuning of LLMs with Extreme Sparsity",
/// arXiv 2406.02913): the <c>trainable_fraction</c> of all weights with the largest squared gradient (the diagonal of
/// the empirical Fisher) summed over a calibration batch, chosen once before training and never changed. The paper
/// takes that batch from pre-training text (C4), not from the task, and shows the mask transfers; lft-train reads it
/// from <c>method.zeroth_order.calibration_data</c>, or from the training data when that is not set.
/// The subset is held as flat (row-major) indices per weight, so its cost grows with the mask, not the model.
/// </summary>
internal static class SensitiveSubset
{
    /// <summary>
    /// Indices of the sensitive weights per parameter name (sorted, int64). <paramref name="backward"/> runs calibration
    /// micro-batch i forward and backward; the squared gradients of every micro-batch are summed.
    /// </summary>
    public static Dictionary<string, Tensor> Select(IReadOnlyList<(string Name, Parameter Parameter)> parameters, double fraction, int microBatches, Action<int> backward)
    {
        var fisher = parameters.ToDictionary(p => p.Name, p => zeros(p.Parameter.numel(), dtype: float32));
        try
        {
            foreach (var (_, parameter) in parameters)
                parameter.requires_grad = true;
            for (var micro = 0; micro < microBatches; micro++)
            {
                backward(micro);
                using var noGrad = no_grad();
                foreach (var (name, parameter) in parameters)
                {
                    // .grad is read inside the scope: each read is a new handle (see AdamWOptimizer.Step).
                    using var scope = NewDisposeScope();
                    if (parameter.grad is not { } gradient)
                        continue;
                    var g = gradient.detach().to(float32).flatten();
                    fisher[name].addcmul_(g, g, value: 1);
                    parameter.grad = null;
                }
            }
            using var selection = NewDisposeScope();
            var all = cat(parameters.Select(p => fisher[p.Name]).ToArray());
            var keep = Math.Clamp((long)Math.Round(fraction * all.numel()), 1, all.numel());
            var chosen = all.topk((int)keep, sorted: false).indexes.sort().Values;
            var result = new Dictionary<string, Tensor>();
            long offset = 0;
            foreach (var (name, parameter) in parameters)
            {
                var count = parameter.numel();
                var low = searchsorted(chosen, tensor(new[] { offset })).item<long>();
                var high = searchsorted(chosen, tensor(new[] { offset + count })).item<long>();
                if (high > low)
                    result[name] = (chosen.narrow(0, low, high - low) - offset).contiguous().DetachFromDisposeScope();
                offset += count;
            }
            return result;
        }
        finally
        {
            foreach (var tensor in fisher.Values)
                tensor.Dispose();
            foreach (var (_, parameter) in parameters)
            {
                parameter.grad = null;
                parameter.requires_grad = false;
            }
        }
    }

    /// <summary>
    /// The zeroth-order targets of a sparse run: per weight with sensitive entries, a vector of their values (what is
    /// perturbed, updated and checkpointed). With <paramref name="quantizeFrozen"/> every linear projection's remainder
    /// is held in NF4 and the layer reads the vector directly; otherwise the vector is written back into the weight.
    /// </summary>
    public static List<ZerothOrderTarget> Targets(CausalLanguageModel model, IReadOnlyList<(string Name, Parameter Parameter)> parameters, IReadOnlyDictionary<string, Tensor> indices, bool quantizeFrozen)
    {
        var linears = model.named_modules().Where(m => m.module is AdaptableLinear).ToDictionary(m => m.name + ".weight", m => (AdaptableLinear)m.module);
        var targets = new List<ZerothOrderTarget>();
        using var noGrad = no_grad();
        foreach (var (name, parameter) in parameters)
        {
            var decays = parameter.dim() >= 2;
            if (quantizeFrozen && linears.TryGetValue(name, out var linear))
            {
                // Every projection is quantized, with or without sensitive entries of its own.
                using var none = zeros(0, dtype: int64);
                var values = linear.QuantizeFrozen(indices.TryGetValue(name, out var own) ? own : none);
                if (values.numel() > 0)
                    targets.Add(new ZerothOrderTarget(name, values, null, decays, own!));
                continue;
            }
            if (!indices.TryGetValue(name, out var selected))
                continue;
            var flat = parameter.view(-1);
            var copy = new Parameter(flat.index_select(0, selected).to(float32), requires_grad: false);
            targets.Add(new ZerothOrderTarget(name, copy, () => flat.index_copy_(0, selected, copy.to(flat.dtype)), decays, selected));
        }
        return targets;
    }
}
