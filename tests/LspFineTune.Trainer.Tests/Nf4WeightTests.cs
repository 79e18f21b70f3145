using LspFineTune.Trainer.Weights;
using static TorchSharp.torch;

namespace LspFineTune.Trainer.Tests;

public sealed class Nf4WeightTests
{
    public Nf4WeightTests() => LspFineTune.Trainer.Native.LibTorchLoader.EnsureLoaded();

    [Fact]
    public void NF4_holds_a_weight_in_about_four_and_a_half_bits_within_half_a_level_gap_of_each_block_scale()
    {
        manual_seed(3);
        // 130 rows x 70: not a multiple of the block size, so the last block is padded.
        using var weight = randn(130, 70) * 0.02f;
        using var nf4 = Nf4Weight.Quantize(weight);
        using var back = nf4.Dequantize();
        Assert.Equal(weight.shape, back.shape);
        var blocks = (130 * 70 + 63) / 64;
        Assert.Equal(blocks * 32 + blocks * 4, nf4.Bytes);
        // The widest gap between NF4 levels is 1 - 0.7229568 = 0.277; each error is at most half of it times the scale.
        var scale = weight.abs().max().item<float>();
        Assert.True((back - weight).abs().max().item<float>() <= 0.139f * scale, "rounded to the nearest level");
        // Values on the levels (here the block maxima, which map to +-1) come back exactly.
        Assert.Equal(weight.abs().max().item<float>(), back.abs().max().item<float>(), 6);
    }
}
