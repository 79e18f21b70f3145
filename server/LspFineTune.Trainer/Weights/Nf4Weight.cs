using static TorchSharp.torch;

namespace LspFineTune.Trainer.Weights;

/// <summary>
/// A weight held in 4-bit NormalFloat (NF4, Dettmers et al. 2023, QLoRA): the values in blocks of 64, each block
/// scaled by its absolute maximum and rounded to the nearest of 16 levels placed at quantiles of N(0, 1); two codes a
/// byte, plus one fp32 scale a block: 0.5 + 4/64 = 0.5625 bytes a weight instead of 4. Dequantization runs on the CPU
/// (a table lookup and a multiply), one weight at a time, right before the layer that needs it.
/// QLoRA's second quantization of the scales (8-bit, blocks of 256) is not done: it saves 0.06 of the 0.5625 bytes.
/// </summary>
public sealed class Nf4Weight : IDisposable
{
    /// <summary>QLoRA's block size (bitsandbytes' default blocksize 64 for 4-bit).</summary>
    public const int BlockSize = 64;

    /// <summary>The 16 NF4 levels as bitsandbytes defines them (functional.py / kDequantizeNF4), ascending, code = index.</summary>
    private static readonly float[] Levels =
    [
        -1.0f, -0.6961928009986877f, -0.5250730514526367f, -0.39491748809814453f, -0.28444138169288635f,
        -0.18477343022823334f, -0.09105003625154495f, 0.0f, 0.07958029955625534f, 0.16093020141124725f,
        0.24611230194568634f, 0.33791524171829224f, 0.44070982933044434f, 0.5626170039176941f,
        0.7229568362236023f, 1.0f,
    ];

    private readonly Tensor _codes;
    private readonly Tensor _scales;
    private readonly Tensor _levels;
    private readonly long[] _shape;
    private readonly ScalarType _dtype;

    private Nf4Weight(Tensor codes, Tensor scales, long[] shape, ScalarType dtype)
    {
        _codes = codes;
        _scales = scales;
        _shape = shape;
        _dtype = dtype;
        // Built inside Quantize's dispose scope: detached so it lives as long as this weight.
        _levels = tensor(Levels).DetachFromDisposeScope();
    }

    /// <summary>Bytes this weight occupies: the packed codes and the block scales.</summary>
    public long Bytes => _codes.numel() + _scales.numel() * 4;

    /// <summary>Quantizes <paramref name="weight"/> (any float dtype; dequantized back to that dtype).</summary>
    public static Nf4Weight Quantize(Tensor weight)
    {
        using var noGrad = no_grad();
        using var scope = NewDisposeScope();
        var flat = weight.detach().to(float32).flatten();
        var padding = (BlockSize - flat.numel() % BlockSize) % BlockSize;
        if (padding > 0)
            flat = cat([flat, zeros(padding)]);
        var blocks = flat.view(-1, BlockSize);
        var scales = blocks.abs().amax([1]).clamp_min(1e-30f);
        var normalized = blocks / scales.unsqueeze(1);
        // Nearest level: the count of midpoints below the value (levels are ascending).
        var levels = tensor(Levels);
        var midpoints = (levels[1..] + levels[..^1]) / 2;
        var codes = searchsorted(midpoints, normalized.flatten().contiguous()).to(uint8);
        var pairs = codes.view(-1, 2);
        var packed = pairs[.., 0].bitwise_left_shift(4).bitwise_or(pairs[.., 1]).to(uint8);
        return new Nf4Weight(packed.DetachFromDisposeScope(), scales.DetachFromDisposeScope(), weight.shape, weight.dtype);
    }

    /// <summary>The weight in its original shape and dtype (a new tensor the caller owns).</summary>
    public Tensor Dequantize()
    {
        using var scope = NewDisposeScope();
        var high = _codes.bitwise_right_shift(4);
        var low = _codes.bitwise_and(15);
        var codes = stack([high, low], 1).flatten().to(int64);
        var values = _levels.index_select(0, codes).view(-1, BlockSize) * _scales.unsqueeze(1);
        var count = _shape.Aggregate(1L, (a, b) => a * b);
        return values.flatten().narrow(0, 0, count).view(_shape).to(_dtype).MoveToOuterDisposeScope();
    }

    public void Dispose()
    {
        _codes.Dispose();
        _scales.Dispose();
        _levels.Dispose();
    }
}
