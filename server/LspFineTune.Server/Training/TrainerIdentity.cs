using System.Reflection;
using LspFineTune.Core.Files;

namespace LspFineTune.Server.Training;

/// <summary>
/// Whether a file is this release's bundled trainer, decided without running any of it: a regular file (a FIFO would
/// block the check, a device never end it) of a plausible size, holding a .NET assembly named <c>lft-train</c> whose
/// version is this server's own. The two are built and shipped together (Directory.Build.props holds the one version)
/// and speak one release's progress protocol, so another version is refused as firmly as another program.
/// AssemblyName.GetAssemblyName reads the metadata tables only; no code of the file is loaded for execution.
/// </summary>
public static class TrainerIdentity
{
    public const string AssemblyName = "lft-train";

    /// <summary>lft-train.dll is well under a megabyte; anything near this is not it.</summary>
    private const long MaxBytes = 64L * 1024 * 1024;

    /// <summary>The version a trainer must have: the server's own.</summary>
    public static Version ExpectedVersion { get; } = typeof(TrainerIdentity).Assembly.GetName().Version ?? new Version(0, 0);

    /// <summary>Null when <paramref name="path"/> is the trainer; otherwise what it is instead, as the end of a sentence.</summary>
    public static string? Problem(string path)
    {
        var status = FileStatus.Of(path);
        if (AuxiliaryProblems.ForStatus(status, MaxBytes) is { } fileProblem)
            return fileProblem;
        AssemblyName name;
        try
        {
            name = System.Reflection.AssemblyName.GetAssemblyName(path);
        }
        catch (Exception e) when (e is BadImageFormatException or IOException or UnauthorizedAccessException or ArgumentException)
        {
            return "it is not a .NET assembly";
        }
        if (!string.Equals(name.Name, AssemblyName, StringComparison.Ordinal))
            return $"it is the .NET assembly `{name.Name}`, not {AssemblyName}";
        if (name.Version != ExpectedVersion)
            return $"it is {AssemblyName} {name.Version}, and this server ({ExpectedVersion}) runs only the trainer of its own release";
        return null;
    }
}
