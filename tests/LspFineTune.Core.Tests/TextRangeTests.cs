using LspFineTune.Core.Text;

namespace LspFineTune.Core.Tests;

public class TextRangeTests
{
    [Fact]
    public void Contains_is_inclusive_of_both_ends()
    {
        var range = TextRange.FromBounds(1, 2, 1, 8);
        Assert.True(range.Contains(new TextPosition(1, 2)));
        Assert.True(range.Contains(new TextPosition(1, 8)));
        Assert.False(range.Contains(new TextPosition(1, 9)));
        Assert.False(range.Contains(new TextPosition(0, 5)));
    }
}
