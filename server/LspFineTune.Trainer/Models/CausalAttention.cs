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

    /// <summary>softmax(q k^T / sqrt(d) + causal mask) v, with the softmax in fp32 as Hugging Face does.</summary>
    private static Tensor Eager(Tensor q, Tensor k, Tensor v)
    {
        using var scope = NewDisposeScope();
        var sequence = q.shape[2];
        var scores = matmul(q, k.transpose(-2, -1)) / Math.Sqrt(q.shape[^1]);
        var mask = triu(full(sequence, sequence, double.NegativeInfinity, dtype: float32), diagonal: 1);
        var weights = nn.functional.softmax(scores.to(float32) + mask, dim: -1).to(q.dtype);
        return matmul(weights, v).MoveToOuterDisposeScope();
    }
}
