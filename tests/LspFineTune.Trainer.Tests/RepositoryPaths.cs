namespace LspFineTune.Trainer.Tests;

/// <summary>Files of this checkout, found by walking up from the test binaries to the solution file.</summary>
internal static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    public static string Fixture(params string[] parts) => Path.Combine([Root, "tests", "fixtures", .. parts]);

    public static string Examples(params string[] parts) => Path.Combine([Root, "examples", .. parts]);

    private static string FindRoot()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            if (File.Exists(Path.Combine(directory.FullName, "LspFineTune.sln")))
                return directory.FullName;
        }
        throw new InvalidOperationException($"LspFineTune.sln not found above {AppContext.BaseDirectory}");
    }
}
