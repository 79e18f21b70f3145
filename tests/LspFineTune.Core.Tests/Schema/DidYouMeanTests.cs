using LspFineTune.Core.Schema;

namespace LspFineTune.Core.Tests.Schema;

public class DidYouMeanTests
{
    [Theory]
    [InlineData("trainig", "training")]
    [InlineData("bf61", "bf16")]
    [InlineData("MODEL", "model")]
    [InlineData("micro_bach_size", "micro_batch_size")]
    public void Suggests_a_close_name(string input, string expected)
    {
        Assert.Equal(expected, DidYouMean.Suggest(input, ["model", "training", "bf16", "fp16", "micro_batch_size"]));
    }

    [Theory]
    [InlineData("x")]
    [InlineData("colour")]
    [InlineData("optimizer")]
    public void Suggests_nothing_for_unrelated_names(string input)
    {
        Assert.Null(DidYouMean.Suggest(input, ["name", "dtype", "lr"]));
    }

    [Theory]
    [InlineData("abc", "abc", 0)]
    [InlineData("abc", "acb", 1)]
    [InlineData("abc", "", 3)]
    [InlineData("kitten", "sitting", 3)]
    public void Distance_counts_edits_with_swaps(string a, string b, int expected)
    {
        Assert.Equal(expected, DidYouMean.Distance(a, b));
    }
}
