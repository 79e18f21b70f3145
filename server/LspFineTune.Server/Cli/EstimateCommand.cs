using LspFineTune.Core;

namespace LspFineTune.Server.Cli;

/// <summary>`lft estimate FILE [--json]`.</summary>
public static class EstimateCommand
{
    public static int Run(CommandArguments args, TextWriter stdout, TextWriter stderr)
    {
        var file = args.SingleFile();
        var analysis = ConfigFileLoader.Load(file, AnalysisArguments.From(args), stderr, "estimate");
        if (analysis is null)
            return CommandLine.CannotRun;
        if (!analysis.IsClaimed)
        {
            stderr.WriteLine(AnalysisArguments.NotAConfig("estimate", file));
            return CommandLine.CannotRun;
        }
        if (args.Has("--json"))
            JsonOutput.Write(stdout, EstimateJson.Build(file, analysis));
        else
            EstimateText.Write(stdout, file, analysis);
        return analysis.HasErrors ? CommandLine.ConfigHasErrors : CommandLine.Clean;
    }
}
