using LspFineTune.Core;

namespace LspFineTune.Server.Cli;

/// <summary>Reads and analyses a config file; an unreadable file is a "could not run" error.</summary>
public static class ConfigFileLoader
{
    /// <summary>Configs are a few KB; beyond this a file is not a config (and would stall the tool).</summary>
    public const long MaxFileBytes = 64L * 1024 * 1024;

    public static ConfigAnalysis? Load(string path, AnalysisOptions options, TextWriter stderr, string verb)
    {
        try
        {
            var info = new FileInfo(path);
            if (!info.Exists)
            {
                stderr.WriteLine(Directory.Exists(path)
                    ? $"lft {verb}: {path} is a directory; give a config file"
                    : $"lft {verb}: cannot read {path}: no such file");
                return null;
            }
            if (info.Length > MaxFileBytes)
            {
                stderr.WriteLine($"lft {verb}: {path} is {info.Length / 1e6:0} MB; configs are at most {MaxFileBytes / 1e6:0} MB");
                return null;
            }
            var text = File.ReadAllText(path);
            return ConfigAnalyzer.AnalyzeFile(path, text, options);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            stderr.WriteLine($"lft {verb}: cannot read {path}: {e.Message}");
            return null;
        }
    }
}
