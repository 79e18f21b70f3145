using LspFineTune.Core.Files;

namespace LspFineTune.Server.Training;

/// <summary>
/// Finds a program the way a shell would, but only in absolute PATH folders: an empty or relative PATH entry names the
/// current directory, where a repository's own <c>./axolotl</c> could sit (see <see cref="DotnetHost"/>).
/// </summary>
public static class ExecutableSearch
{
    /// <summary>The program's absolute path: a path as given when it names a directory, else the first PATH folder that
    /// holds an executable file of that name; null when there is none.</summary>
    public static string? Find(string program, Func<string, string?> environment)
    {
        if (program.Contains('/'))
            return IsExecutable(Path.GetFullPath(program)) ? Path.GetFullPath(program) : null;
        foreach (var folder in (environment("PATH") ?? "").Split(Path.PathSeparator))
        {
            if (Path.IsPathFullyQualified(folder) && Path.Combine(folder, program) is var candidate && IsExecutable(candidate))
                return candidate;
        }
        return null;
    }

    public static bool IsExecutable(string path)
    {
        if (!Path.IsPathFullyQualified(path) || FileStatus.Of(path).Kind != FileKind.Regular)
            return false;
        const UnixFileMode anyExecute = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
        return OperatingSystem.IsWindows() || (File.GetUnixFileMode(path) & anyExecute) != 0;
    }
}
