namespace LspFineTune.Server.Tests;

/// <summary>When the tool cannot run (bad arguments, unreadable file): exit 2, nothing on stdout, one line on stderr saying why.</summary>
public sealed class UsageErrorTests : IDisposable
{
    private static readonly string Example = Repo.Example("llama2-7b-lora.lft.yaml");

    private readonly TempFolder _temp = new();

    public void Dispose() => _temp.Dispose();

    private static CliResult AssertCannotRun(params string[] args)
    {
        var result = CliRunner.Run(args);
        Assert.True(result.Exit == 2, result.ToString());
        Assert.Equal("", result.Stdout);
        var line = Assert.Single(result.StderrLines);
        Assert.StartsWith("lft", line);
        return result;
    }

    [Theory]
    [InlineData("check")]
    [InlineData("estimate")]
    [InlineData("plan")]
    public void A_missing_file_exits_2_with_one_line_naming_it(string verb)
    {
        var missing = Path.Combine(_temp.Path, "missing.lft.yaml");
        var result = AssertCannotRun(verb, missing);
        Assert.Contains(missing, result.Stderr);
    }

    [Fact]
    public void A_missing_file_for_estimate_json_exits_2_and_prints_no_json()
    {
        AssertCannotRun("estimate", "--json", Path.Combine(_temp.Path, "missing.lft.yaml"));
    }

    [Fact]
    public void A_missing_file_among_several_for_check_exits_2()
    {
        AssertCannotRun("check", Example, Path.Combine(_temp.Path, "missing.lft.yaml"));
    }

    [Theory]
    [InlineData("check")]
    [InlineData("estimate")]
    [InlineData("plan")]
    public void A_directory_exits_2_with_one_line_saying_so(string verb)
    {
        var result = AssertCannotRun(verb, _temp.Path);
        Assert.Contains("directory", result.Stderr);
    }

    [Fact]
    public void An_unknown_verb_exits_2()
    {
        var result = AssertCannotRun("estimat", Example);
        Assert.Contains("estimat", result.Stderr);
    }

    [Theory]
    [InlineData("check", "--verbose")]
    [InlineData("estimate", "--format")]
    [InlineData("estimate", "-j")]
    [InlineData("plan", "--yaml")]
    public void An_unknown_option_exits_2_naming_it(string verb, string option)
    {
        var result = AssertCannotRun(verb, option, Example);
        Assert.Contains(option, result.Stderr);
    }

    [Fact]
    public void An_unknown_check_format_exits_2()
    {
        var result = AssertCannotRun("check", "--format", "xml", Example);
        Assert.Contains("xml", result.Stderr);
    }

    [Fact]
    public void A_format_without_value_exits_2()
    {
        AssertCannotRun("check", Example, "--format");
    }

    [Theory]
    [InlineData("estimate")]
    [InlineData("plan")]
    public void Two_files_for_a_single_file_verb_exit_2(string verb)
    {
        AssertCannotRun(verb, Example, Repo.Example("llama2-7b-senszoq.lft.yaml"));
    }

    [Theory]
    [InlineData("check")]
    [InlineData("estimate")]
    [InlineData("plan")]
    public void A_verb_without_a_file_exits_2(string verb)
    {
        AssertCannotRun(verb);
    }

    [Fact]
    public void No_arguments_exit_2()
    {
        AssertCannotRun();
    }
}
