using LspFineTune.Core;
using LspFineTune.Core.Dialects.Native;
using LspFineTune.Core.Tuning;
using LspFineTune.Server.Tuning;

namespace LspFineTune.Server.Tests.Tuning;

public sealed class SweepSpaceTests
{
    private static SweepSpace ExampleSpace(params string[] overrides)
    {
        var path = Repo.Example("tiny-cpu-lora.lft.yaml");
        var plan = ConfigAnalyzer.AnalyzeFile(path, File.ReadAllText(path)).Plan!;
        return SweepSpace.From(plan, NativeVocabulary.Instance, overrides);
    }

    [Fact]
    public void The_space_is_read_from_the_config_around_its_own_values_in_its_own_keys()
    {
        var space = ExampleSpace();
        var rate = Assert.IsType<RealDimension>(space.Space["optimizer.learning_rate"]);
        Assert.True(rate.Log);
        Assert.Equal(2.0e-4, rate.Low, 12);
        Assert.Equal(2.0e-2, rate.High, 12);
        Assert.Contains("method.lora.rank", space.Space.Dimensions.Select(d => d.Name));
        Assert.Contains("method.lora.alpha", space.Space.Dimensions.Select(d => d.Name));
        Assert.Contains("optimizer.warmup_steps", space.Space.Dimensions.Select(d => d.Name));
        Assert.Contains("optimizer.weight_decay", space.Space.Dimensions.Select(d => d.Name));
        Assert.Equal("2.0e-3", space.Space["optimizer.learning_rate"].Format(double.Parse(space.Baseline["optimizer.learning_rate"], System.Globalization.CultureInfo.InvariantCulture)));
    }

    [Fact]
    public void A_micro_batch_comes_with_the_accumulation_that_keeps_the_global_batch()
    {
        var changes = ExampleSpace().Changes(new Dictionary<string, string> { ["training.micro_batch_size"] = "2" });
        Assert.Equal(["training.micro_batch_size: 2", "training.gradient_accumulation_steps: 4"], changes.Select(c => c.ToString()));
    }

    [Fact]
    public void Space_options_replace_or_add_dimensions()
    {
        var space = ExampleSpace("optimizer.learning_rate=1e-3..5e-3", "method.lora.rank=4,64", "optimizer.warmup_steps=0..10", "method.lora.dropout=0..0.1");
        var rate = Assert.IsType<RealDimension>(space.Space["optimizer.learning_rate"]);
        Assert.False(rate.Log); // a factor of 5: a linear range
        Assert.Equal(["4", "64"], Assert.IsType<ChoiceDimension>(space.Space["method.lora.rank"]).Values);
        Assert.IsType<IntegerDimension>(space.Space["optimizer.warmup_steps"]);
        Assert.IsType<RealDimension>(space.Space["method.lora.dropout"]);
        Assert.Single(space.Space.Dimensions, d => d.Name == "optimizer.learning_rate");
    }

    [Theory]
    [InlineData("optimizer.learning_rate")]
    [InlineData("optimizer.learning_rate=5..1")]
    [InlineData("optimizer.learning_rate=a..b")]
    public void A_malformed_space_says_what_it_takes(string text)
    {
        var error = Assert.Throws<FormatException>(() => SweepSpace.ParseOverride(text));
        Assert.StartsWith($"--space `{text}`", error.Message);
    }

    [Fact]
    public void Parallel_trials_follow_the_cores_and_the_memory_each_needs()
    {
        Assert.Equal(2, SweepParallelism.Choose(trials: 12, estimatedPeakBytes: 300L << 20, cores: 2, availableBytes: 16L << 30));
        Assert.Equal(3, SweepParallelism.Choose(trials: 12, estimatedPeakBytes: 1L << 30, cores: 16, availableBytes: 4L << 30));
        Assert.Equal(1, SweepParallelism.Choose(trials: 12, estimatedPeakBytes: 8L << 30, cores: 16, availableBytes: 4L << 30));
        Assert.Equal(2, SweepParallelism.Choose(trials: 2, estimatedPeakBytes: null, cores: 16, availableBytes: 4L << 30));
    }
}
