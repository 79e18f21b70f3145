using TorchSharp;
using static TorchSharp.torch;

namespace LspFineTune.Trainer.Training;

/// <summary>
/// MeZO (Malladi et al. 2023, "Fine-Tuning Language Models with Just Forward Passes"), zeroth-order SGD as its reference
/// implementation does it (princeton-nlp/MeZO, large_models/trainer.py at 552cb1b, zo_step / zo_update): per step, draw
/// z ~ N(0, I) from a generator seeded by the step, evaluate the loss at theta + eps z and theta - eps z (two forward
/// passes in evaluation mode, so dropout is off and both see the same function; no backward, no stored activations),
/// restore theta, and update theta -= lr (g z + wd theta) with g = (L+ - L-) / (2 eps), the decay skipped for biases and
/// norm scales. z is never stored: it is regenerated from the seed. The targets are whole weights (full or LoRA
/// parameters) or, for SensZOQ, only the sensitive entries, so z is drawn for those alone.
/// </summary>
public sealed class ZerothOrderOptimizer(IReadOnlyList<ZerothOrderTarget> targets, double epsilon, long seed, double weightDecay)
{
    /// <summary>
    /// One step; <paramref name="loss"/> evaluates the current batch at the current weights (the caller puts the model
    /// in evaluation mode around it). Returns the mean of the two losses.
    /// </summary>
    public double Step(long step, Func<double> loss, double learningRate)
    {
        var stepSeed = unchecked((ulong)(seed * 1_000_003L + step));
        Perturb(stepSeed, epsilon, 0);
        var plus = loss();
        Perturb(stepSeed, -2 * epsilon, 0);
        var minus = loss();
        Perturb(stepSeed, epsilon, 0);
        var projectedGradient = (plus - minus) / (2 * epsilon);
        if (double.IsFinite(projectedGradient))
            Perturb(stepSeed, -learningRate * projectedGradient, learningRate * weightDecay);
        return (plus + minus) / 2;
    }

    /// <summary>Writes every target's values into its weight (after a checkpoint was loaded into them).</summary>
    public void WriteBack()
    {
        using var noGrad = no_grad();
        foreach (var target in targets)
            target.Apply?.Invoke();
    }

    /// <summary>Number of values each step perturbs (the whole model, the LoRA parameters or the sensitive subset).</summary>
    public long PerturbedCount => targets.Sum(t => t.Values.numel());

    /// <summary>theta = theta (1 - decay) + scale z, z regenerated in target order from <paramref name="stepSeed"/>.</summary>
    private void Perturb(ulong stepSeed, double scale, double decay)
    {
        using var noGrad = no_grad();
        using var generator = new Generator(stepSeed);
        foreach (var target in targets)
        {
            using var scope = NewDisposeScope();
            var values = target.Values;
            var z = randn(values.shape, dtype: float32, generator: generator);
            if (decay != 0 && target.Decays)
                values.mul_(1 - decay);
            if (values.dtype == ScalarType.Float32)
                values.add_(z, alpha: scale);
            else
                values.add_((z * scale).to(values.dtype));
            target.Apply?.Invoke();
        }
    }
}
