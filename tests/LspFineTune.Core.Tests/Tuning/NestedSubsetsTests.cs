using LspFineTune.Core.Tuning;

namespace LspFineTune.Core.Tests.Tuning;

public class NestedSubsetsTests
{
    [Fact]
    public void The_order_is_a_permutation_that_repeats_for_a_seed_and_differs_between_seeds()
    {
        var order = NestedSubsets.Order(1000, 7);
        Assert.Equal(Enumerable.Range(0, 1000), order.Order());
        Assert.Equal(order, NestedSubsets.Order(1000, 7));
        Assert.NotEqual(order, NestedSubsets.Order(1000, 8));
        Assert.NotEqual(Enumerable.Range(0, 1000), order); // not the file's own order
    }

    [Fact]
    public void Default_sizes_are_the_whole_set_and_its_halvings_down_to_one_global_batch()
    {
        Assert.Equal([12L, 25, 50, 100, 200], NestedSubsets.DefaultSizes(200, 8));
        Assert.Equal([50L, 100, 200], NestedSubsets.DefaultSizes(200, 40));
        Assert.Equal([6_250L, 12_500, 25_000, 50_000, 100_000], NestedSubsets.DefaultSizes(100_000, 64));
    }
}
