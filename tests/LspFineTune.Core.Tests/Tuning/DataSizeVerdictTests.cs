using LspFineTune.Core.Tuning;

namespace LspFineTune.Core.Tests.Tuning;

public class DataSizeVerdictTests
{
    // L(n) = 1.5 + 2·n^-0.5: gains flatten at 3,466 examples (SaturationCurveTests derives it by hand).
    private static readonly SaturationCurve Curve =
        SaturationCurve.Fit([.. new long[] { 100, 200, 400, 800, 1600 }.Select(n => new CurvePoint(n, 1.5 + 2 * Math.Pow(n, -0.5)))])!;

    [Fact]
    public void A_data_set_two_doublings_short_of_flattening_is_far_below_and_says_what_a_doubling_brings()
    {
        var verdict = DataSizeVerdict.Of(Curve, 800, computeGrowsWithData: true);
        Assert.Equal(DataSizeStanding.FarBelow, verdict.Standing);
        var text = verdict.Describe()!;
        Assert.Contains("doubling the 800 examples is predicted to lower eval loss by 0.021", text); // 2·800^-0.5·0.2929
        Assert.Contains("gains flatten near 3,4", text);
        Assert.Contains("5 nested subsets, 100 to 1,600 examples", text);
    }

    [Fact]
    public void A_data_set_far_past_flattening_says_what_its_last_doubling_bought_and_its_compute_when_compute_grows()
    {
        var byEpochs = DataSizeVerdict.Of(Curve, 20_000, computeGrowsWithData: true);
        Assert.Equal(DataSizeStanding.FarPast, byEpochs.Standing);
        Assert.Contains("the last doubling (10,000 to 20,000) lowers eval loss by only 0.006", byEpochs.Describe());
        Assert.Contains("half of the run's compute", byEpochs.Describe());

        var bySteps = DataSizeVerdict.Of(Curve, 20_000, computeGrowsWithData: false);
        Assert.DoesNotContain("compute", bySteps.Describe());
    }

    [Fact]
    public void Within_two_doublings_is_near()
    {
        Assert.Equal(DataSizeStanding.Near, DataSizeVerdict.Of(Curve, 1600, true).Standing);
        Assert.Equal(DataSizeStanding.Near, DataSizeVerdict.Of(Curve, 12_000, true).Standing);
    }

    [Fact]
    public void A_flattening_point_far_beyond_the_measured_sizes_is_not_given_as_a_number()
    {
        // A shallow curve measured only up to 200: it flattens (formally) near 10^13.
        var shallow = SaturationCurve.Fit([.. new long[] { 12, 25, 50, 100, 200 }.Select(n => new CurvePoint(n, 3.7 * Math.Pow(n, -0.105)))])!;
        var verdict = DataSizeVerdict.Of(shallow, 200, true);
        Assert.True(verdict.BeyondReach);
        Assert.Contains("gains do not flatten within 10 times the largest subset (2,000 examples)", verdict.Describe());
    }

    [Fact]
    public void No_clear_curve_no_verdict()
    {
        Assert.Null(DataSizeVerdict.Of(null, 100, true).Describe());
        var flat = SaturationCurve.Fit([new CurvePoint(10, 2), new CurvePoint(20, 2.01), new CurvePoint(40, 1.99)]);
        Assert.Equal(DataSizeStanding.Unknown, DataSizeVerdict.Of(flat, 40, true).Standing);
    }
}
