using LspFineTune.Core.Diagnostics;
using LspFineTune.Core.Syntax;
using LspFineTune.Core.Text;

namespace LspFineTune.Core.Tests.Syntax;

/// <summary>Syntax errors land where the mistake is and say what to do.</summary>
public class ConfigParserErrorTests
{
    private static Diagnostic SingleSyntaxError(string text)
    {
        var tree = ConfigParser.Parse(text);
        var error = Assert.Single(tree.Diagnostics);
        Assert.Equal(DiagnosticCodes.SyntaxError, error.Code);
        Assert.Equal(DiagnosticSeverity.Error, error.Severity);
        return error;
    }

    [Fact]
    public void Missing_colon_after_a_key()
    {
        var error = SingleSyntaxError("model:\n  name llama\n  dtype: bf16\n");

        // The line without ':' is read as text continued on the next line; the ':' there is where YAML fails.
        Assert.Equal(new TextPosition(2, 7), error.Range.Start);
        Assert.Contains("must be followed by ':'", error.Message);
        Assert.Contains("indentation", error.Message);
    }

    [Fact]
    public void Bad_indentation_of_a_sibling_key()
    {
        var error = SingleSyntaxError("model:\n  name: x\n dtype: bf16\n");

        Assert.Equal(new TextPosition(2, 1), error.Range.Start);
        Assert.Contains("indentation", error.Message);
    }

    [Fact]
    public void Key_indented_under_a_plain_value()
    {
        var error = SingleSyntaxError("model: llama\n  dtype: bf16\n");

        Assert.Equal(new TextPosition(1, 7), error.Range.Start);
        Assert.Contains("':' is not allowed here", error.Message);
    }

    [Fact]
    public void Unclosed_bracket_at_the_end_of_json_points_back_to_the_bracket()
    {
        var error = SingleSyntaxError("{\n  \"modules\": [\"q_proj\", \"v_proj\"\n}\n");

        Assert.Equal(new TextPosition(2, 0), error.Range.Start);
        Assert.Contains("opened at line 2, column 14 is not closed", error.Message);
        Assert.Equal(TextRange.FromBounds(1, 13, 1, 14), Assert.Single(error.Related).Range);
    }

    [Fact]
    public void Unclosed_bracket_followed_by_more_yaml_is_reported_at_the_bracket()
    {
        var error = SingleSyntaxError("lora:\n  target_modules: [q_proj, v_proj\n  rank: 8\n");

        Assert.Equal(TextRange.FromBounds(1, 18, 1, 19), error.Range);
        Assert.Contains("never closed", error.Message);
    }

    [Fact]
    public void Tab_indentation_is_reported_at_the_tab()
    {
        var error = SingleSyntaxError("model:\n\tname: x\n");

        Assert.Equal(TextRange.FromBounds(1, 0, 1, 1), error.Range);
        Assert.Equal("Syntax error: tabs are not allowed for indentation in YAML; use spaces.", error.Message);
    }

    [Fact]
    public void Tab_indentation_after_a_scalar_is_reported_at_the_tab()
    {
        var error = SingleSyntaxError("model:\n  name: x\n\tdtype: bf16\n");

        Assert.Equal(new TextPosition(2, 0), error.Range.Start);
        Assert.Contains("tabs are not allowed", error.Message);
    }

    [Fact]
    public void Tabs_in_json_are_fine()
    {
        var tree = ConfigParser.Parse("{\n\t\"model\":\t{\"name\": \"x\"}\n}\n");

        Assert.Empty(tree.Diagnostics);
        Assert.Equal(TextRange.FromBounds(1, 19, 1, 22), tree.FindProperty("model.name")!.Value.Range);
    }

    [Fact]
    public void Unclosed_quote_points_at_the_opening_quote()
    {
        var error = SingleSyntaxError("model:\n  name: 'llama\n");

        Assert.Equal(TextRange.FromBounds(1, 8, 1, 9), error.Range);
        Assert.Contains("never closed", error.Message);
    }

    [Fact]
    public void Unknown_escape_points_at_the_backslash()
    {
        var error = SingleSyntaxError("path: \"C:\\data\"\n");

        Assert.Equal(TextRange.FromBounds(0, 9, 0, 11), error.Range);
        Assert.Contains("escape", error.Message);
    }

    [Fact]
    public void Text_after_the_end_of_a_json_document()
    {
        var error = SingleSyntaxError("{\"a\": [1, 2]}}");

        Assert.Equal(new TextPosition(0, 13), error.Range.Start);
        Assert.Contains("after the end of the config", error.Message);
    }

    [Fact]
    public void What_parsed_before_an_error_is_kept()
    {
        var tree = ConfigParser.Parse("model:\n  name: x\ntraining:\n  micro_batch_size: 4\n  broken line\n  seed: 1\n");

        Assert.Single(tree.Diagnostics);
        Assert.NotNull(tree.RootMapping);
        Assert.Equal("x", ((ScalarNode)tree.FindProperty("model.name")!.Value).Value);
        Assert.Equal(4L, ((ScalarNode)tree.FindProperty("training.micro_batch_size")!.Value).AsInteger());
    }
}
