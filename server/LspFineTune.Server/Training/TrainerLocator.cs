namespace LspFineTune.Server.Training;

/// <summary>
/// Finds the bundled trainer's entry assembly (lft-train.dll): the <c>LFT_TRAIN_DLL</c> environment variable or the
/// editor's <c>lft.trainerPath</c> setting first, then next to this server in an installed layout
/// (<c>…/lft-train/lft-train.dll</c> beside <c>…/lft/</c>), then the Release build of a source checkout above it.
/// </summary>
public static class TrainerLocator
{
    public const string EnvironmentVariable = "LFT_TRAIN_DLL";

    private static readonly string CheckoutBuild = Path.Combine("server", "LspFineTune.Trainer", "bin", "Release", "net10.0", "linux-x64", "lft-train.dll");

    /// <summary>The trainer's path, or null with <paramref name="problem"/> saying what to do.</summary>
    public static string? Find(string? configured, out string problem)
    {
        problem = "";
        foreach (var candidate in new[] { configured, Environment.GetEnvironmentVariable(EnvironmentVariable) })
        {
            if (string.IsNullOrWhiteSpace(candidate))
                continue;
            if (File.Exists(candidate))
                return Path.GetFullPath(candidate);
            problem = $"the trainer path `{candidate}` does not exist; set lft.trainerPath (or {EnvironmentVariable}) to lft-train.dll";
            return null;
        }
        var beside = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "..", "lft-train", "lft-train.dll"));
        if (File.Exists(beside))
            return beside;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var built = Path.Combine(dir.FullName, CheckoutBuild);
            if (File.Exists(built))
                return built;
            if (File.Exists(Path.Combine(dir.FullName, "LspFineTune.sln")))
            {
                problem = $"the bundled trainer is not built yet: run `./lft-train --help` in {dir.FullName} once (it builds {CheckoutBuild})";
                return null;
            }
        }
        problem = $"the bundled trainer (lft-train.dll) was not found; set lft.trainerPath (or {EnvironmentVariable}) to its path";
        return null;
    }
}
