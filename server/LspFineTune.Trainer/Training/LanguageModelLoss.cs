using LspFineTune.Trainer.Data;
using LspFineTune.Trainer.Models;
using static TorchSharp.torch;

namespace LspFineTune.Trainer.Training;

/// <summary>Next-token cross-entropy in fp32 over the labelled positions (labels of -100 are ignored).</summary>
public static class LanguageModelLoss
{
    public static Tensor Mean(CausalLanguageModel model, Tensor inputs, Tensor labels) => Compute(model, inputs, labels, nn.Reduction.Mean);

    public static Tensor Sum(CausalLanguageModel model, Tensor inputs, Tensor labels) => Compute(model, inputs, labels, nn.Reduction.Sum);

    private static Tensor Compute(CausalLanguageModel model, Tensor inputs, Tensor labels, nn.Reduction reduction)
    {
        using var scope = NewDisposeScope();
        var logits = model.forward(inputs);
        var flat = logits.view(-1, logits.shape[^1]).to(float32);
        return nn.functional.cross_entropy(flat, labels.view(-1), ignore_index: Batcher.IgnoreIndex, reduction: reduction).MoveToOuterDisposeScope();
    }

    /// <summary>Token-weighted mean loss over every example of <paramref name="batcher"/>, without gradients or dropout.</summary>
    public static double Evaluate(CausalLanguageModel model, Batcher batcher)
    {
        var wasTraining = model.training;
        model.eval();
        try
        {
            using var noGrad = no_grad();
            double total = 0;
            long tokens = 0;
            foreach (var (inputs, labels, targets) in batcher.InOrder())
            {
                using (inputs)
                using (labels)
                using (var loss = Sum(model, inputs, labels))
                    total += loss.item<float>();
                tokens += targets;
            }
            return tokens > 0 ? total / tokens : double.NaN;
        }
        finally
        {
            model.train(wasTraining);
        }
    }
}
