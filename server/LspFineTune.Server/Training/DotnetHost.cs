using LspFineTune.Core.Files;

namespace LspFineTune.Server.Training;

/// <summary>
/// The <c>dotnet</c> that starts framework-dependent subprocesses (the trainer), always as an absolute path. A bare
/// "dotnet" is never handed to Process.Start: .NET resolves a bare name against the current directory before PATH, and
/// an editor starts the server in the workspace folder, so a repository's own <c>./dotnet</c> would run.
/// </summary>
public static class DotnetHost
{
    private static readonly string ExecutableName = OperatingSystem.IsWindows() ? "dotnet.exe" : "dotnet";

    /// <summary>The host's absolute path, or null with <paramref name="problem"/> saying what to do.</summary>
    public static string? Find(out string problem) => Find(Environment.GetEnvironmentVariable, Environment.ProcessPath, out problem);

    /// <summary>
    /// DOTNET_HOST_PATH (set by the SDK for tools and tests), else this process's own host when it is <c>dotnet</c> (so
    /// the trainer runs on the server's runtime), else the first absolute PATH entry holding an executable
    /// <c>dotnet</c>, else DOTNET_ROOT. Empty and relative PATH entries name the current directory, so they are skipped.
    /// </summary>
    internal static string? Find(Func<string, string?> environment, string? processPath, out string problem)
    {
        problem = "";
        if (environment("DOTNET_HOST_PATH") is { } sdkHost && IsExecutable(sdkHost))
            return sdkHost;
        if (processPath is not null && Path.GetFileName(processPath) == ExecutableName && IsExecutable(processPath))
            return processPath;
        foreach (var folder in (environment("PATH") ?? "").Split(Path.PathSeparator))
        {
            if (Path.IsPathFullyQualified(folder) && Path.Combine(folder, ExecutableName) is var candidate && IsExecutable(candidate))
                return candidate;
        }
        if (environment("DOTNET_ROOT") is { Length: > 0 } root && Path.IsPathFullyQualified(root) && Path.Combine(root, ExecutableName) is var rooted && IsExecutable(rooted))
            return rooted;
        problem = $"`{ExecutableName}` (the .NET 10 runtime that runs the trainer) was not found in an absolute PATH folder or DOTNET_ROOT; install .NET 10 or add its folder to PATH";
        return null;
    }

    private static bool IsExecutable(string path)
    {
        if (!Path.IsPathFullyQualified(path) || FileStatus.Of(path).Kind != FileKind.Regular)
            return false;
        const UnixFileMode anyExecute = UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
        return OperatingSystem.IsWindows() || (File.GetUnixFileMode(path) & anyExecute) != 0;
    }
}
