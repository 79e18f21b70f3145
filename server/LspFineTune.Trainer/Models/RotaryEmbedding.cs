using static TorchSharp.torch;

namespace LspFineTune.Trainer.Models;

/// <summary>
/// Rotary position embedding tables and their application. Not a module on purpose: the tables are derived, and a
/// tensor field on a module would become a buffer in the state dict and break strict weight loading.
/// </summary>
internal sealed class RotaryEmbedding : IDisposable
{
    private readonly Tensor _cos;
    private readonly Tensor _sin;

    public RopeStyle Style { get; }

    public RotaryEmbedding(int headDim, int maxPositions, double theta, RopeStyle style)
    {
        Style = style;
        using var scope = NewDisposeScope();
        var exponents = arange(0, headDim, 2, dtype: float64) / headDim;
        var inverseFrequencies = 1.0 / pow(theta, exponents);
        var angles = outer(arange(maxPositions, dtype: float64), inverseFrequencies); // [positions, headDim/2]
        _cos = angles.cos().to(float32).DetachFromDisposeScope();
        _sin = angles.sin().to(float32).DetachFromDisposeScope();
    }

    /// <summary>Rotates <paramref name="x"/> [batch, heads, seq, headDim] at positions 0..seq-1.</summary>
    public Tensor Apply(Tensor x)
    {
        using var scope = NewDisposeScope();
        var sequence = x.shape[2];
        var cos = _cos[..(int)sequence].to(x.dtype);
        var sin = _sin[..(int)sequence].to(x.dtype);
        Tensor rotated;
        if (Style == RopeStyle.Interleaved)
        {
            var pairs = x.unflatten(x.dim() - 1, [x.shape[^1] / 2, 2]);
            var even = pairs.select(-1, 0);
            var odd = pairs.select(-1, 1);
            rotated = stack([even * cos - odd * sin, even * sin + odd * cos], -1).flatten(-2);
        }
        else
        {
            var half = x.shape[^1] / 2;
            var first = x.narrow(-1, 0, half);
            var second = x.narrow(-1, half, half);
            rotated = cat([first * cos - second * sin, second * cos + first * sin], -1);
        }
        return rotated.MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        _cos.Dispose();
        _sin.Dispose();
    }
}
