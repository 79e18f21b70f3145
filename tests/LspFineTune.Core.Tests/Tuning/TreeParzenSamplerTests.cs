using LspFineTune.Core.Tuning;

namespace LspFineTune.Core.Tests.Tuning;

public class TreeParzenSamplerTests
{
    private static readonly SearchSpace Space = new([
        new RealDimension("learning_rate", 1e-5, 1e-1, Log: true),
        new IntegerDimension("rank", 2, 64, Log: true),
        new ChoiceDimension("batch", ["1x8", "2x4", "4x2", "8x1"]),
    ]);

    /// <summary>A bowl with its minimum at lr 3e-3, rank 16, batch 2x4: what a real search's loss surface looks like
    /// in the large (Oliver and Wang's learning-rate curves are smooth in log lr).</summary>
    private static double Loss(IReadOnlyDictionary<string, double> v) =>
        Math.Pow(Math.Log10(v["learning_rate"]) - Math.Log10(3e-3), 2) + 0.2 * Math.Pow(Math.Log2(v["rank"]) - 4, 2) + (v["batch"] == 1 ? 0 : 0.3);

    private static List<Observation> Search(int seed, int trials)
    {
        var sampler = new TreeParzenSampler(Space, seed);
        var observed = new List<Observation>();
        for (var t = 0; t < trials; t++)
        {
            var values = sampler.Propose(t, observed);
            observed.Add(new Observation(values, Loss(values)));
        }
        return observed;
    }

    [Fact]
    public void The_same_seed_and_history_propose_the_same_trials_also_in_another_process()
    {
        // Pinned from a run: a sampler seeded per process would change it.
        Assert.Equal("1.291e-2", Space["learning_rate"].Format(Search(seed: 7, trials: 1)[0].Values["learning_rate"]));
        var first = Search(seed: 7, trials: 20);
        var second = Search(seed: 7, trials: 20);
        Assert.Equal(first.Select(o => o.Values.OrderBy(kv => kv.Key).ToList()), second.Select(o => o.Values.OrderBy(kv => kv.Key).ToList()));
        Assert.NotEqual(first.Select(o => o.Score), Search(seed: 8, trials: 20).Select(o => o.Score));
    }

    [Fact]
    public void After_its_random_start_it_proposes_near_the_best_region_more_often_than_random_search()
    {
        // Over 10 seeds, the best of 30 TPE trials against the best of 30 uniform draws of the same space.
        var tpe = new List<double>();
        var random = new List<double>();
        for (var seed = 0; seed < 20; seed++)
        {
            tpe.Add(Search(seed, 30).Min(o => o.Score));
            var draw = new TreeParzenSampler(Space, seed, startupTrials: int.MaxValue);
            random.Add(Enumerable.Range(0, 30).Select(t => Loss(draw.Propose(t, []))).Min());
        }
        // Measured: 0.13 against 0.23 (20 seeds); the bar leaves room for another sound sampler.
        Assert.True(tpe.Average() < 0.75 * random.Average(), $"TPE {tpe.Average():0.000} vs random {random.Average():0.000}");
    }

    [Fact]
    public void Proposals_stay_inside_the_space_and_integers_and_choices_are_whole()
    {
        foreach (var observation in Search(seed: 3, trials: 40))
        {
            Assert.InRange(observation.Values["learning_rate"], 1e-5, 1e-1);
            Assert.InRange(observation.Values["rank"], 2, 64);
            Assert.Equal(Math.Round(observation.Values["rank"]), observation.Values["rank"]);
            Assert.Contains(Space["batch"].Format(observation.Values["batch"]), ((ChoiceDimension)Space["batch"]).Values);
        }
    }

    [Theory]
    [InlineData(new double[] { 1, 2, 3, 4 }, new double[] { 10, 20, 30, 40 }, 1.0)]
    [InlineData(new double[] { 1, 2, 3, 4 }, new double[] { 4, 3, 2, 1 }, -1.0)]
    // Hand-derived: ranks (1, 2.5, 2.5, 4) and (1, 3, 2, 4): Pearson of the ranks = 4.5 / sqrt(4.5 * 5) = 0.9487.
    [InlineData(new double[] { 1, 2, 2, 3 }, new double[] { 1, 3, 2, 4 }, 0.9487)]
    public void Spearman_correlation_of_early_and_final_scores(double[] early, double[] final, double expected) =>
        Assert.Equal(expected, RankCorrelation.Spearman(early, final), 4);
}
