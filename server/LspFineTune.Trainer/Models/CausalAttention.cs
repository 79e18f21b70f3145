using TorchSharp;
using static TorchSharp.torch;

namespace LspFineTune.Trainer.Models;

/// <summary>Causal scaled dot-product attention over [batch, heads, seq, headDim] tensors, by either implementation.</summary>
internal static class CausalAttention
{
    public static Tensor Compute(Tensor q, Tensor k, Tensor v, AttentionImplementation implementation) =>
        implementation == AttentionImplementation.Sdpa
            ? nn.functional.scaled_dot_product_attention(q, k, v, is_casual: true)
            : Eager(q, k, v);

    /// <summary>
    /// softmax(q k^T / sqrt(d) + causal mask) v, with the softmax in fp32 as Hugging Face does. The b x a x s x s
    /// scores are scaled and masked in place and released as soon as the softmax has its output: a dispose scope keeps
    /// every intermediate alive until it ends, so out-of-place steps would hold four score-sized tensors at once where
    /// PyTorch's reference counting holds two. None of these steps saves its output for backward (bmm saves q and k,
    /// the scale and the mask nothing), so the in-place updates leave the gradients unchanged.
    /// </summary>
    private static Tensor Eager(Tensor q, Tensor k, Tensor v)
    {
        using var scope = NewDisposeScope();
        var sequence = q.shape[2];
        Tensor weights;
        using (var mask = triu(full(sequence, sequence, double.NegativeInfinity, dtype: float32), diagonal: 1))
        using (var scores = matmul(q, k.transpose(-2, -1)))
        {
            scores.div_(Math.Sqrt(q.shape[^1]));
            // In fp32 `to` returns the same tensor; in bf16/fp16 it is the fp32 copy the mask is added to.
            using var logits = scores.to(float32);
            logits.add_(mask);
            using var probabilities = nn.functional.softmax(logits, dim: -1);
            weights = probabilities.to(q.dtype);
        }
        return matmul(weights, v).MoveToOuterDisposeScope();
    }
}
