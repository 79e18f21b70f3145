using LspFineTune.Core.Tuning;

namespace LspFineTune.Core.Tests.Tuning;

public class SaturationCurveTests
{
    private static IReadOnlyList<CurvePoint> Points(Func<double, double> loss, params long[] sizes) =>
        sizes.Select(n => new CurvePoint(n, loss(n))).ToList();

    [Fact]
    public void A_curve_drawn_from_the_law_is_recovered_with_its_flattening_point()
    {
        // L(n) = 1.5 + 2·n^-0.5 sampled at five doublings.
        var curve = SaturationCurve.Fit(Points(n => 1.5 + 2 * Math.Pow(n, -0.5), 100, 200, 400, 800, 1600))!;

        Assert.Equal(0.5, curve.Exponent, 0.01);
        Assert.Equal(1.5, curve.Floor, 0.01);
        Assert.Equal(2.0, curve.Scale, 0.05);
        Assert.True(curve.RSquared > 0.999);
        // Hand-derived: a doubling gains 2·n^-0.5·(1 − 2^-0.5) = ln 1.01 at n = (2·0.29289/0.0099503)² = 3,466.
        Assert.Equal(3466, curve.FlatteningExamples!.Value, 3466 * 0.03);
        Assert.Equal(2 * Math.Pow(400, -0.5) * (1 - Math.Pow(2, -0.5)), curve.DoublingGain(400), 1e-3);
    }

    [Fact]
    public void Losses_that_rise_with_data_are_no_saturation_curve()
    {
        var curve = SaturationCurve.Fit(Points(n => 2 + 0.0001 * n, 100, 200, 400, 800))!;
        Assert.Equal(0, curve.Scale);
        Assert.False(curve.IsClear);
        Assert.Null(curve.FlatteningExamples);
    }

    [Fact]
    public void Noise_around_a_level_is_not_a_clear_curve()
    {
        var curve = SaturationCurve.Fit(Points(n => n % 3 == 0 ? 2.01 : 1.99, 100, 200, 300, 400, 500, 600))!;
        Assert.False(curve.IsClear);
    }

    [Fact]
    public void The_floor_is_a_cross_entropy_and_never_negative()
    {
        // Nearly log-linear losses: the free fit would put the floor below 0.
        var curve = SaturationCurve.Fit(Points(n => 3 - 0.25 * Math.Log(n), 10, 20, 40, 80, 160))!;
        Assert.True(curve.Floor >= 0);
        Assert.True(curve.IsClear);
    }

    [Fact]
    public void Fewer_than_three_sizes_or_failed_runs_give_no_curve()
    {
        Assert.Null(SaturationCurve.Fit([new CurvePoint(100, 2), new CurvePoint(200, 1.9)]));
        Assert.Null(SaturationCurve.Fit([new CurvePoint(100, 2), new CurvePoint(100, 2.1), new CurvePoint(200, double.NaN)]));
    }
}
