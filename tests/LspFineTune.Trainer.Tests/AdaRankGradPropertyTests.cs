using LspFineTune.Core.Planning;
using LspFineTune.Trainer.Training;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LspFineTune.Trainer.Tests;

/// <summary>AdaRankGrad keeps its paper's defining properties: an adaptive rank that falls as the gradient's energy
/// concentrates, a randomized SVD that finds a low-rank gradient's subspace, projection on the shorter side, and a
/// subspace kept until it converges or T steps pass.</summary>
public sealed class AdaRankGradPropertyTests
{
    public AdaRankGradPropertyTests() => LspFineTune.Trainer.Native.LibTorchLoader.EnsureLoaded();

    /// <summary>U diag(sigma) V^T with fixed orthonormal U [m, k], V [n, k].</summary>
    private static Tensor WithSpectrum(Tensor u, Tensor v, double[] sigma) =>
        matmul(u * tensor(sigma.Select(s => (float)s).ToArray()), v.t());

    private static Tensor Orthonormal(long rows, long columns, long seed)
    {
        manual_seed(seed);
        return linalg.qr(randn(rows, columns)).Q;
    }

    [Fact]
    public void The_rank_does_not_increase_as_the_gradient_energy_concentrates_and_ends_at_one()
    {
        var u = Orthonormal(48, 12, 1);
        var v = Orthonormal(96, 12, 2);
        var weight = new Parameter(zeros(48, 96));
        // Refresh every step, so each step's rank is the rule's answer for that gradient.
        using var optimizer = new AdaRankGradOptimizer([("w", weight)], 0, new AdaRankGradSettings { MaxRank = 12, EnergyThreshold = 0.9, UpdateInterval = 1 }, seed: 3);
        var ranks = new List<long>();
        for (var t = 0; t < 12; t++)
        {
            // Singular values decay faster and faster: the energy concentrates in the leading directions.
            var sigma = Enumerable.Range(0, 12).Select(i => Math.Exp(-i * 0.15 * t)).ToArray();
            weight.grad = WithSpectrum(u, v, sigma);
            optimizer.Step(1e-3);
            ranks.Add(optimizer.Ranks["w"]);
        }
        Assert.True(ranks[0] >= 10, $"a flat spectrum needs most of the rank: {string.Join(", ", ranks)}");
        for (var i = 1; i < ranks.Count; i++)
            Assert.True(ranks[i] <= ranks[i - 1], $"rank rose at step {i}: {string.Join(", ", ranks)}");
        Assert.Equal(1, ranks[^1]);
    }

    [Fact]
    public void The_randomized_SVD_finds_the_subspace_of_a_low_rank_gradient()
    {
        var u = Orthonormal(64, 3, 4);
        var v = Orthonormal(80, 3, 5);
        var gradient = WithSpectrum(u, v, [5.0, 2.0, 1.0]);
        var weight = new Parameter(zeros(64, 80));
        using var optimizer = new AdaRankGradOptimizer([("w", weight)], 0, new AdaRankGradSettings { MaxRank = 8, EnergyThreshold = 0.999 }, seed: 3);
        weight.grad = gradient;
        optimizer.Step(1e-3);
        var projector = optimizer.State().Single(s => s.Name == "adarankgrad.projector.w").Value;
        Assert.Equal(3, projector.shape[1]);
        var residual = (gradient - matmul(projector, matmul(projector.t(), gradient))).norm().item<float>() / gradient.norm().item<float>();
        Assert.True(residual < 1e-4, $"relative residual {residual}");
    }

    [Fact]
    public void A_tall_matrix_is_projected_from_its_shorter_side()
    {
        manual_seed(6);
        var tall = new Parameter(randn(96, 24));
        var wide = new Parameter(randn(24, 96));
        using var optimizer = new AdaRankGradOptimizer([("tall", tall), ("wide", wide)], 0, new AdaRankGradSettings { MaxRank = 4, EnergyThreshold = 0.99 }, seed: 3);
        tall.grad = randn(96, 24);
        wide.grad = randn(24, 96);
        optimizer.Step(1e-3);
        var state = optimizer.State().ToDictionary(s => s.Name, s => s.Value);
        Assert.Equal("right", optimizer.Sides["tall"]);
        Assert.Equal("left", optimizer.Sides["wide"]);
        // The projector spans the 24-wide side; the moments are [96, r] and [r, 96]: O(long side x r) either way.
        Assert.Equal([24L, 4L], state["adarankgrad.projector.tall"].shape);
        Assert.Equal([96L, 4L], state["adarankgrad.exp_avg.tall"].shape);
        Assert.Equal([24L, 4L], state["adarankgrad.projector.wide"].shape);
        Assert.Equal([4L, 96L], state["adarankgrad.exp_avg.wide"].shape);
    }

    [Fact]
    public void The_subspace_is_kept_until_the_projected_gradient_converges()
    {
        manual_seed(7);
        var direction = randn(32, 64);
        var weight = new Parameter(zeros(32, 64));
        using var optimizer = new AdaRankGradOptimizer([("w", weight)], 0, new AdaRankGradSettings { MaxRank = 4, EnergyThreshold = 0.5, UpdateInterval = 1000, ConvergenceTolerance = 0.1 }, seed: 3);
        var refreshes = new List<long>();
        for (var t = 0; t < 6; t++)
        {
            // The same direction, halving: |P^T G| falls to 1/16 < 0.1 of its first value at the fifth step.
            weight.grad = direction * (float)Math.Pow(0.5, t);
            optimizer.Step(1e-3);
            refreshes.Add(optimizer.State().Single(s => s.Name == "adarankgrad.refreshed_at.w").Value.item<long>());
        }
        Assert.Equal([1L, 1L, 1L, 1L, 5L, 5L], refreshes);
    }
}
