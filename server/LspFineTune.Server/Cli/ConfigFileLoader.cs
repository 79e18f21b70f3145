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
            var status = Core.Files.FileStatus.Of(path);
            switch (status.Kind)
            {
                case Core.Files.FileKind.Missing:
                    stderr.WriteLine($"lft {verb}: cannot read {path}: no such file");
                    return null;
                case Core.Files.FileKind.Directory:
                    stderr.WriteLine($"lft {verb}: {path} is a directory; give a config file");
                    return null;
                case Core.Files.FileKind.Special:
                    // Reading a FIFO blocks until a writer comes, and a device such as /dev/zero never ends.
                    stderr.WriteLine($"lft {verb}: {path} is not a regular file (a FIFO, a device or a socket); give a config file");
                    return null;
            }
            if (status.Length > MaxFileBytes)
            {
                stderr.WriteLine($"lft {verb}: {path} is {status.Length / 1e6:0} MB; configs are at most {MaxFileBytes / 1e6:0} MB");
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
