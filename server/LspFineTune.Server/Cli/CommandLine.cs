namespace LspFineTune.Server.Cli;

/// <summary>The `lft` verbs. Exit codes: 0 clean, 1 the config has errors, 2 the tool could not run.</summary>
public static class CommandLine
{
    public static int Run(string[] args, TextWriter stdout, TextWriter stderr)
    {
        stderr.WriteLine("lft: no command given; try `lft check FILE`");
        return 2;
    }
}
