namespace LspFineTune.Server;

public static class Program
{
    public static int Main(string[] args) => Cli.CommandLine.Run(args, Console.Out, Console.Error);
}
