using LspFineTune.Core.Catalogs;
using LspFineTune.Core.Text;

namespace LspFineTune.Core.Tests;

public class EditDistanceTests
{
    [Theory]
    [InlineData("training", "trainig", 1)]
    [InlineData("zero_stage", "zero_satge", 1)]
    [InlineData("LLAMA-2-7B", "llama-2-7b", 0)]
    [InlineData("", "abc", 3)]
    public void Counts_inserts_deletes_substitutions_and_swaps_ignoring_case(string a, string b, int expected) =>
        Assert.Equal(expected, EditDistance.Between(a, b));

    [Fact]
    public void AtMost_agrees_with_the_full_distance_up_to_the_limit()
    {
        Assert.Equal(1, EditDistance.AtMost("trainig", "training", 2));
        Assert.Equal(3, EditDistance.AtMost("a", "abcdef", 2));
    }

    [Fact]
    public void A_huge_unknown_name_gets_no_suggestion_and_does_not_compare_whole_tables()
    {
        // 200,000 characters against every catalog name would be 44 x 200,000 x ~20 cells per suggestion; the length
        // bound answers at once. (No timing assertion: the point is the answer, the speed is in the fuzz suite.)
        var huge = new string('x', 200_000);
        Assert.Empty(ModelCatalog.Default.Suggest(huge));
        Assert.Empty(GpuCatalog.Default.Suggest(huge));
    }
}
