using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LspFineTune.Trainer.Training;

/// <summary>Plain stochastic gradient descent with L2 weight decay: p -= lr (g + wd p). Stateless.</summary>
public sealed class SgdOptimizer(IReadOnlyList<(string Name, Parameter Parameter)> parameters, double weightDecay) : IParameterOptimizer
{
    public string Name => "sgd";

    public void Step(double learningRate)
    {
        using var noGrad = no_grad();
        foreach (var (_, parameter) in parameters)
        {
            // .grad is read inside the scope: each read is a new handle (see AdamWOptimizer.Step).
            using var scope = NewDisposeScope();
            if (parameter.grad is not { } gradient)
                continue;
            var direction = weightDecay != 0 ? gradient + parameter * weightDecay : gradient;
            parameter.sub_(direction * learningRate);
        }
    }

    public IEnumerable<(string Name, Tensor Value)> State() => [];

    public void LoadState(IReadOnlyDictionary<string, Tensor> state)
    {
    }

    public void Dispose()
    {
    }
}
