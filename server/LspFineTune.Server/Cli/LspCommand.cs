using LspFineTune.Server.Hosting;

namespace LspFineTune.Server.Cli;

/// <summary>
/// `lft lsp [--stdio]`: the language server on stdin/stdout (the log on stderr). `--stdio` is accepted because
/// vscode-languageclient and other clients append it.
/// </summary>
public static class LspCommand
{
    public static int Run(CommandArguments args, TextWriter stderr)
    {
        if (args.Files.Count > 0)
            throw new UsageException($"takes no files (got `{args.Files[0]}`); the editor sends documents over the protocol");
        using var input = Console.OpenStandardInput();
        using var output = Console.OpenStandardOutput();
        using var host = new LanguageServerHost(input, output, stderr);
        return host.RunAsync().GetAwaiter().GetResult();
    }
}
