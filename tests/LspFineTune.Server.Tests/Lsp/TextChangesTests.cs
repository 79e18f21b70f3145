using LspFineTune.Server.Documents;
using LspFineTune.Server.Protocol;

namespace LspFineTune.Server.Tests.Lsp;

public sealed class TextChangesTests
{
    private static TextDocumentContentChangeEvent Edit(int startLine, int startCharacter, int endLine, int endCharacter, string text) =>
        new(text, new LspRange(new Position(startLine, startCharacter), new Position(endLine, endCharacter)));

    [Fact]
    public void Changes_apply_in_order_each_to_the_previous_result()
    {
        var text = TextChanges.Apply("a: 1\nb: 2\n", [Edit(0, 3, 0, 4, "10"), Edit(1, 0, 1, 0, "c: 3\n"), Edit(0, 0, 0, 1, "z")]);
        Assert.Equal("z: 10\nc: 3\nb: 2\n", text);
    }

    [Theory]
    [InlineData("a\r\nb\r\n", "a\r\nX\r\n")]
    [InlineData("a\rb\r", "a\rX\r")]
    [InlineData("a\nb\n", "a\nX\n")]
    public void Every_LSP_line_ending_counts_as_a_line_break(string before, string after) =>
        Assert.Equal(after, TextChanges.Apply(before, [Edit(1, 0, 1, 1, "X")]));

    [Fact]
    public void A_change_without_a_range_replaces_the_whole_text() =>
        Assert.Equal("new", TextChanges.Apply("old\ntext", [new TextDocumentContentChangeEvent("new")]));

    [Fact]
    public void Ranges_past_the_end_or_reversed_are_clamped_not_fatal()
    {
        Assert.Equal("a: X", TextChanges.Apply("a: 1\n", [Edit(0, 3, 99, 99, "X")]));
        Assert.Equal("a: X\n", TextChanges.Apply("a: 1\n", [Edit(0, 99, 0, 3, "X")]));
        Assert.Equal("Xa: 1\n", TextChanges.Apply("a: 1\n", [Edit(-5, -5, -1, 0, "X")]));
    }

    [Fact]
    public void Columns_count_UTF16_code_units_as_LSP_does()
    {
        // "🙂" is two UTF-16 code units: the character after it starts at column 3.
        Assert.Equal("a🙂X", TextChanges.Apply("a🙂b", [Edit(0, 3, 0, 4, "X")]));
    }
}
