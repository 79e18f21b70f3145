using LspFineTune.Core;

namespace LspFineTune.Server.Cli;

/// <summary>Reads and analyses a config file; an unreadable file is a "could not run" error.</summary>
public static class ConfigFileLoader
{
    /// <summary>Configs are a few KB; beyond this a file is not a config (and would stall the tool).</summary>
    public const long MaxFileBytes = 64L * 1024 * 1024;

    public static ConfigAnalysis? Load(string path, AnalysisOptions options, TextWriter stderr, string verb)
    {
        // Regular files only, checked on the opened handle: a FIFO would block until a writer came, a device such as
        // /dev/zero never ends, and a directory has no text.
        var text = Core.Files.RegularFile.ReadText(path, MaxFileBytes, out var problem);
        if (text is null)
        {
            var hint = problem is "the file does not exist" ? "" : "; give a config file";
            stderr.WriteLine($"lft {verb}: cannot read {path}: {problem}{hint}");
            return null;
        }
        return ConfigAnalyzer.AnalyzeFile(path, text, options);
    }
}
