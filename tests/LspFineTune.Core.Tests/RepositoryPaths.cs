namespace LspFineTune.Core.Tests;

/// <summary>The checkout the tests run from, for the bundled examples.</summary>
internal static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    public static string Examples => Path.Combine(Root, "examples");

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "LspFineTune.sln")))
                return dir.FullName;
        }
        throw new InvalidOperationException("tests run inside the repository");
    }
}
