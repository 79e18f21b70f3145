using LspFineTune.Core.Dialects;

namespace LspFineTune.Server.Cli;

/// <summary>`lft dialects`: each dialect, how it is recognised, and the upstream version its keys follow.</summary>
public static class DialectsCommand
{
    public static int Run(TextWriter stdout)
    {
        var width = DialectRegistry.Default.Dialects.Max(d => d.Id.Length);
        foreach (var dialect in DialectRegistry.Default.Dialects)
        {
            stdout.WriteLine($"{dialect.Id.PadRight(width)} {dialect.DisplayName}; keys follow {dialect.Upstream}");
            stdout.WriteLine($"{new string(' ', width)} recognised by {dialect.Recognition}");
        }
        stdout.WriteLine();
        stdout.WriteLine("Order: --dialect ID > the `# lft: dialect=ID` modeline > the editor's lft.dialects globs > content > file name.");
        stdout.WriteLine("Hardware: --gpu/--gpus-per-node/--nodes > `# lft: gpu=ID gpus_per_node=N nodes=N` > the config or its launch file (accelerate, `tune run`) > settings > one a100-80gb.");
        return CommandLine.Clean;
    }
}
