using LspFineTune.Core.Planning;

namespace LspFineTune.Core.Tests.Dialects;

/// <summary>A temp folder of config files for one test, analysed as the CLI does (the folder is the launch directory).</summary>
internal sealed class DialectTestFiles : IDisposable
{
    public string Folder { get; } = Directory.CreateTempSubdirectory("lft-dialects-").FullName;

    public string Write(string name, string text)
    {
        var path = Path.Combine(Folder, name);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path, text);
        return path;
    }

    public ConfigAnalysis Analyze(string name, AnalysisOptions? options = null)
    {
        var path = Path.Combine(Folder, name);
        options ??= new AnalysisOptions();
        return ConfigAnalyzer.AnalyzeFile(path, File.ReadAllText(path), options with
        {
            Binding = options.Binding with { WorkspaceFolder = Folder, Files = WithoutHubCache.Instance },
        });
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Folder, recursive: true);
        }
        catch (IOException)
        {
            // A test's FIFO or open handle: the temp folder is cleaned by the system.
        }
    }
}
