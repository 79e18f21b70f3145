using LspFineTune.Server.Cli;

namespace LspFineTune.Server.Tests;

public class CommandLineTests
{
    [Fact]
    public void No_arguments_is_a_usage_error_with_exit_code_2()
    {
        var stdout = new StringWriter();
        var stderr = new StringWriter();
        Assert.Equal(2, CommandLine.Run([], stdout, stderr));
        Assert.Contains("lft", stderr.ToString());
    }
}
