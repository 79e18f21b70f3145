using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LspFineTune.Trainer.Training;

/// <summary>
/// MeZO (Malladi et al. 2023), zeroth-order SGD: per step, draw z ~ N(0, I) from a generator seeded by the step,
/// evaluate the loss at theta + eps z and theta - eps z (two forward passes, no backward, no stored activations),
/// and move theta -= lr * g z with g = (L+ - L-) / (2 eps). z is never stored: it is regenerated from the seed.
/// With a sensitivity mask (SensZOQ's sparse variant) only the masked weights are perturbed and updated.
/// </summary>
public sealed class ZerothOrderOptimizer(IReadOnlyList<(string Name, Parameter Parameter)> parameters, double epsilon, long seed, IReadOnlyDictionary<string, Tensor>? masks) : IDisposable
{
    /// <summary>One step; <paramref name="loss"/> evaluates the current batch at the current weights. Returns the mean of the two losses.</summary>
    public double Step(long step, Func<double> loss, double learningRate)
    {
        var stepSeed = unchecked((ulong)(seed * 1_000_003L + step));
        Perturb(stepSeed, epsilon);
        var plus = loss();
        Perturb(stepSeed, -2 * epsilon);
        var minus = loss();
        Perturb(stepSeed, epsilon);
        var projectedGradient = (plus - minus) / (2 * epsilon);
        if (double.IsFinite(projectedGradient))
            Perturb(stepSeed, -learningRate * projectedGradient);
        return (plus + minus) / 2;
    }

    /// <summary>theta += scale * z (masked), z regenerated in parameter order from <paramref name="stepSeed"/>.</summary>
    private void Perturb(ulong stepSeed, double scale)
    {
        using var noGrad = no_grad();
        using var generator = new Generator(stepSeed);
        foreach (var (name, parameter) in parameters)
        {
            using var scope = NewDisposeScope();
            var z = randn(parameter.shape, dtype: float32, generator: generator);
            if (masks is not null && masks.TryGetValue(name, out var mask))
                z = z * mask;
            parameter.add_((z * scale).to(parameter.dtype));
        }
    }

    /// <summary>
    /// Chooses the <paramref name="fraction"/> of weights with the largest |gradient| on a calibration batch (the
    /// "sensitive" weights of SensZOQ). <paramref name="computeGradients"/> runs one backward pass.
    /// </summary>
    public static Dictionary<string, Tensor> SensitiveMasks(IReadOnlyList<(string Name, Parameter Parameter)> parameters, double fraction, Action computeGradients)
    {
        foreach (var (_, parameter) in parameters)
            parameter.requires_grad = true;
        computeGradients();
        using var scope = NewDisposeScope();
        var magnitudes = cat(parameters.Select(p => p.Parameter.grad is { } g ? g.abs().flatten().to(float32) : zeros(p.Parameter.numel())).ToArray());
        var keep = Math.Max(1, (long)Math.Round(fraction * magnitudes.numel()));
        var threshold = magnitudes.topk((int)keep).values.min().item<float>();
        var masks = new Dictionary<string, Tensor>();
        foreach (var (name, parameter) in parameters)
        {
            var mask = parameter.grad is { } g ? (g.abs().to(float32) >= threshold).to(float32) : zeros_like(parameter, dtype: float32);
            masks[name] = mask.DetachFromDisposeScope();
            parameter.grad = null;
            parameter.requires_grad = false;
        }
        return masks;
    }

    public void Dispose()
    {
        if (masks is null)
            return;
        foreach (var mask in masks.Values)
            mask.Dispose();
    }
}
