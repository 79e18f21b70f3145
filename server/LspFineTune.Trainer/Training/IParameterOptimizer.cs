using static TorchSharp.torch;

namespace LspFineTune.Trainer.Training;

/// <summary>
/// A first-order optimizer over named parameters whose whole state is a set of named tensors, so a checkpoint can
/// store it in safetensors and a resumed run continues bit for bit (TorchSharp's optimizers keep state we cannot
/// serialise that way).
/// </summary>
public interface IParameterOptimizer : IDisposable
{
    string Name { get; }

    /// <summary>Applies one update from the parameters' .grad at learning rate <paramref name="learningRate"/>.</summary>
    void Step(double learningRate);

    /// <summary>State tensors by name (prefixes are the parameter names); empty for stateless optimizers.</summary>
    IEnumerable<(string Name, Tensor Value)> State();

    /// <summary>Restores what <see cref="State"/> returned; throws when a name is missing or extra.</summary>
    void LoadState(IReadOnlyDictionary<string, Tensor> state);
}
