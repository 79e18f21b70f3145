using static TorchSharp.torch;

namespace LspFineTune.Trainer.Training;

/// <summary>
/// One tensor MeZO perturbs and updates: a whole weight, or the vector of a weight's sensitive entries (SensZOQ) with
/// their flat <paramref name="Indices"/> and <paramref name="Apply"/>, which writes the vector back into the weight after
/// each change (null when the layer reads the vector itself). <paramref name="Decays"/>: weight decay applies (matrices;
/// not biases and norm scales, as the MeZO reference excludes them).
/// </summary>
public sealed record ZerothOrderTarget(string Name, Tensor Values, Action? Apply, bool Decays, Tensor? Indices = null);
