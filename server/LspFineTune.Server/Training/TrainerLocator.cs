namespace LspFineTune.Server.Training;

/// <summary>
/// Finds the bundled trainer and the host that runs it. Where the trainer may come from is decided by whoever started
/// the server, never by what the editor sends later: the <c>LFT_TRAIN_DLL</c> environment variable (an absolute path;
/// the VS Code extension sets it from the user-level <c>lft.trainerPath</c>), else next to this server in an installed
/// layout (<c>…/lft-train/lft-train.dll</c> beside <c>…/lft/</c>), else the Release build of the source checkout the
/// server was built in. Editor configuration (initializationOptions, workspace/configuration, didChangeConfiguration)
/// is not a source: a workspace can set it, and a repository must not choose the programs the server runs. Whatever is
/// found must pass <see cref="TrainerIdentity"/> before it is started.
/// </summary>
public static class TrainerLocator
{
    public const string EnvironmentVariable = "LFT_TRAIN_DLL";

    private const string HowToPoint = $"set `lft.trainerPath` in your user settings (VS Code) or {EnvironmentVariable} in the server's environment to the absolute path of lft-train.dll";

    private static readonly string CheckoutBuild = Path.Combine("server", "LspFineTune.Trainer", "bin", "Release", "net10.0", "linux-x64", "lft-train.dll");

    /// <summary>The trainer and its host, or null with <paramref name="problem"/> saying what is wrong and what to do.</summary>
    public static TrainerProgram? Find(out string problem) => Find(out problem, out _);

    /// <summary>
    /// As <see cref="Find(out string)"/>; <paramref name="nowhere"/> is true when no trainer is anywhere the server
    /// looks (nothing named, nothing next to the server, no checkout), the one case where an editor may offer to install
    /// it. A trainer that is named or found but refused is never that case: the user chose it, or the checkout builds it.
    /// </summary>
    public static TrainerProgram? Find(out string problem, out bool nowhere)
    {
        if (FindAssembly(Environment.GetEnvironmentVariable(EnvironmentVariable), AppContext.BaseDirectory, out problem, out nowhere) is not { } assembly)
            return null;
        if (DotnetHost.Find(out problem) is not { } host)
            return null;
        return new TrainerProgram(host, assembly);
    }

    /// <summary>The trainer's absolute path from the environment's value or the server's folder, its identity checked.</summary>
    internal static string? FindAssembly(string? fromEnvironment, string serverDirectory, out string problem) =>
        FindAssembly(fromEnvironment, serverDirectory, out problem, out _);

    /// <summary>As above; <paramref name="nowhere"/>: no candidate at all (see <see cref="Find(out string, out bool)"/>).</summary>
    internal static string? FindAssembly(string? fromEnvironment, string serverDirectory, out string problem, out bool nowhere)
    {
        nowhere = false;
        if (!string.IsNullOrWhiteSpace(fromEnvironment))
        {
            // Relative to what? The working directory is the workspace folder, which is exactly what may not choose.
            if (!Path.IsPathFullyQualified(fromEnvironment))
                return Refuse($"{EnvironmentVariable} is `{fromEnvironment}`, a relative path; it must be absolute: {HowToPoint}", out problem);
            return Checked(fromEnvironment, $"{EnvironmentVariable} names `{fromEnvironment}`", out problem);
        }
        var beside = Path.GetFullPath(Path.Combine(serverDirectory, "..", "lft-train", "lft-train.dll"));
        if (File.Exists(beside))
            return Checked(beside, $"`{beside}` next to the server", out problem);
        for (var dir = new DirectoryInfo(serverDirectory); dir is not null; dir = dir.Parent)
        {
            var built = Path.Combine(dir.FullName, CheckoutBuild);
            if (File.Exists(built))
                return Checked(built, $"`{built}` (this checkout's build; `./lft-train --help` rebuilds it)", out problem);
            if (File.Exists(Path.Combine(dir.FullName, "LspFineTune.sln")))
                return Refuse($"the bundled trainer is not built yet: run `./lft-train --help` in {dir.FullName} once (it builds {CheckoutBuild})", out problem);
        }
        nowhere = true;
        return Refuse($"the bundled trainer (lft-train.dll) was not found next to the server; {HowToPoint}", out problem);
    }

    private static string? Checked(string path, string what, out string problem)
    {
        if (TrainerIdentity.Problem(path) is { } identity)
            return Refuse($"{what}, which is not this release's trainer: {identity}; {HowToPoint}", out problem);
        problem = "";
        return Path.GetFullPath(path);
    }

    private static string? Refuse(string why, out string problem)
    {
        problem = why;
        return null;
    }
}
