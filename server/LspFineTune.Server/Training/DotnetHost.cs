namespace LspFineTune.Server.Training;

/// <summary>The `dotnet` that starts framework-dependent subprocesses (the trainer).</summary>
public static class DotnetHost
{
    /// <summary>
    /// DOTNET_HOST_PATH (set by the SDK for tools and tests), else this process's own host when it is `dotnet`
    /// (so the trainer runs on the same runtime as the server), else `dotnet` on PATH.
    /// </summary>
    public static string Path =>
        Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host) ? host
        : Environment.ProcessPath is { } self && System.IO.Path.GetFileNameWithoutExtension(self) == "dotnet" ? self
        : "dotnet";
}
