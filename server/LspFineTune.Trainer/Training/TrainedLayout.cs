using static TorchSharp.torch;

namespace LspFineTune.Trainer.Training;

/// <summary>
/// What decides the tensors a checkpoint holds: the method, the trainable weights (names and shapes: LoRA's targets
/// and rank, the model), the optimizer (its state) and whether zeroth-order sensitive indices are used (for SensZOQ the trainable tensors are the vectors of
/// sensitive values). A checkpoint continues a
/// run only when these are the same; learning rate, schedule, steps and the like may change between runs.
/// </summary>
internal sealed record TrainedLayout(string Method, string Optimizer, bool OptimizerHasState, bool UsesMasks, IReadOnlyList<(string Name, Tensor Value)> Trainable)
{
    public const string MethodKey = "method";
    public const string OptimizerKey = "optimizer";

    /// <summary>Recorded in the state file's metadata, so a later resume can name what changed.</summary>
    public IReadOnlyDictionary<string, string> Metadata => new Dictionary<string, string> { [MethodKey] = Method, [OptimizerKey] = Optimizer };
}
