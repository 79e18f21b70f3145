using LspFineTune.Core.Syntax;
using LspFineTune.Core.Text;

namespace LspFineTune.Core.Tests.Syntax;

public class SyntaxLocatorTests
{
    private const string Yaml = "model:\n  name: llama-2-7b\ntraining:\n  attention: eager\n";

    [Theory]
    [InlineData(0, 2, "model", true)]
    [InlineData(1, 4, "model.name", true)]
    [InlineData(1, 12, "model.name", false)]
    [InlineData(3, 15, "training.attention", false)]
    public void Finds_the_innermost_property_and_whether_the_position_is_on_its_key(int line, int character, string path, bool onKey)
    {
        var tree = ConfigParser.Parse(Yaml);
        var located = SyntaxLocator.PropertyAt(tree, new TextPosition(line, character));
        Assert.NotNull(located);
        Assert.Equal(path, located.Path);
        Assert.Equal(onKey, located.OnKey);
        Assert.Equal(path, SyntaxLocator.PathOf(located.Property));
    }

    [Fact]
    public void Outside_every_property_is_null()
    {
        var tree = ConfigParser.Parse("# comment\nmodel:\n  name: x\n");
        Assert.Null(SyntaxLocator.PropertyAt(tree, new TextPosition(0, 3)));
    }

    [Fact]
    public void Json_keys_and_values_are_found_too()
    {
        var tree = ConfigParser.Parse("{\"training\": {\"attention\": \"flash\"}}", DocumentFormat.Json);
        Assert.Equal("training.attention", SyntaxLocator.PropertyAt(tree, new TextPosition(0, 30))!.Path);
    }
}
