using LspFineTune.Core.Dialects;

namespace LspFineTune.Core.Tests.Dialects;

public class ModelineTests
{
    [Fact]
    public void Reads_hardware_and_dialect_words_with_their_ranges()
    {
        var modeline = Modeline.Parse("base_model: x\n# lft: gpu=h100-sxm gpus_per_node=8 nodes=2 dialect=axolotl\n");
        Assert.Equal(("h100-sxm", 8, 2, "axolotl"), (modeline.Gpu, modeline.GpusPerNode, modeline.Nodes, modeline.Dialect));
        Assert.Equal(1, modeline.Line);
        Assert.Equal((1, 7, 19), (modeline.Ranges["gpu"].Start.Line, modeline.Ranges["gpu"].Start.Character, modeline.Ranges["gpu"].End.Character));
        Assert.Empty(modeline.Unknown);
    }

    [Fact]
    public void Words_it_cannot_read_are_kept_to_be_reported_and_lines_after_the_fifth_are_not_read()
    {
        var modeline = Modeline.Parse("# lft: gpus=8 gpu=l4\n");
        Assert.Equal("l4", modeline.Gpu);
        Assert.Equal(["gpus=8"], modeline.Unknown.Select(u => u.Word));
        Assert.Same(Modeline.None, Modeline.Parse("a: 1\nb: 2\nc: 3\nd: 4\ne: 5\n# lft: gpu=l4\n"));
    }

    [Fact]
    public void The_config_word_marks_a_native_config() =>
        Assert.True(Modeline.Parse("#lft: config\n").MarksNativeConfig);
}
