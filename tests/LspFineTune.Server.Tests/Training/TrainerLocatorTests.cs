using LspFineTune.Server.Training;

namespace LspFineTune.Server.Tests.Training;

/// <summary>
/// Where the trainer comes from: LFT_TRAIN_DLL (absolute only), the installed layout next to the server, the checkout's
/// Release build; each candidate's identity checked; never a path from the editor's configuration.
/// </summary>
public sealed class TrainerLocatorTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    /// <summary>An installed layout: …/lft/ (the server) beside …/lft-train/, outside any checkout.</summary>
    private string InstalledServerFolder() => Directory.CreateDirectory(Path.Combine(_folder.Path, "install", "lft")).FullName;

    [Fact]
    public void A_relative_path_is_refused_with_what_to_set_instead()
    {
        var found = TrainerLocator.FindAssembly("tools/lft-train.dll", InstalledServerFolder(), out var problem);

        Assert.Null(found);
        Assert.StartsWith("LFT_TRAIN_DLL is `tools/lft-train.dll`, a relative path; it must be absolute: set `lft.trainerPath` in your user settings (VS Code) or LFT_TRAIN_DLL", problem);
    }

    [Fact]
    public void An_absolute_path_to_the_trainer_is_used()
    {
        Assert.Equal(Impostors.RealTrainer, TrainerLocator.FindAssembly(Impostors.RealTrainer, InstalledServerFolder(), out var problem));
        Assert.Equal("", problem);
    }

    [Fact]
    public void An_absolute_path_to_another_program_is_refused_and_not_run()
    {
        var marker = Path.Combine(_folder.Path, "ran");
        var script = Impostors.Script(_folder.Path, "train.sh", marker);

        var found = TrainerLocator.FindAssembly(script, InstalledServerFolder(), out var problem);

        Assert.Null(found);
        Assert.Equal($"LFT_TRAIN_DLL names `{script}`, which is not this release's trainer: it is not a .NET assembly; set `lft.trainerPath` in your user settings (VS Code) or LFT_TRAIN_DLL in the server's environment to the absolute path of lft-train.dll", problem);
        Assert.False(File.Exists(marker));
    }

    [Fact]
    public void A_missing_path_is_reported()
    {
        var missing = Path.Combine(_folder.Path, "nowhere", "lft-train.dll");

        Assert.Null(TrainerLocator.FindAssembly(missing, InstalledServerFolder(), out var problem));
        Assert.StartsWith($"LFT_TRAIN_DLL names `{missing}`, which is not this release's trainer: the file does not exist;", problem);
    }

    [Fact]
    public void The_installed_layout_is_checked_too()
    {
        var server = InstalledServerFolder();
        var beside = Directory.CreateDirectory(Path.Combine(server, "..", "lft-train")).FullName;
        Impostors.Assembly(beside, "lft-train.dll", "lft-train", new Version(9, 9, 9, 0));

        Assert.Null(TrainerLocator.FindAssembly(null, server, out var problem));
        Assert.Contains("next to the server, which is not this release's trainer: it is lft-train 9.9.9.0", problem);
    }

    [Fact]
    public void Nothing_configured_outside_a_checkout_says_where_to_point()
    {
        Assert.Null(TrainerLocator.FindAssembly("  ", InstalledServerFolder(), out var problem, out var nowhere));
        Assert.Equal("the bundled trainer (lft-train.dll) was not found next to the server; set `lft.trainerPath` in your user settings (VS Code) or LFT_TRAIN_DLL in the server's environment to the absolute path of lft-train.dll", problem);
        Assert.True(nowhere, "no candidate anywhere: the one case where the editor may offer to install the trainer");
    }

    [Fact]
    public void A_trainer_that_is_named_or_found_but_refused_is_not_offered_for_installing()
    {
        var server = InstalledServerFolder();
        Assert.Null(TrainerLocator.FindAssembly(Path.Combine(_folder.Path, "nowhere", "lft-train.dll"), server, out _, out var named));
        Assert.False(named, "a path the user set that is wrong is theirs to fix, not replaced by a download");
        Assert.Null(TrainerLocator.FindAssembly("relative/lft-train.dll", server, out _, out var relative));
        Assert.False(relative);

        var beside = Directory.CreateDirectory(Path.Combine(server, "..", "lft-train")).FullName;
        Impostors.Assembly(beside, "lft-train.dll", "lft-train", new Version(9, 9, 9, 0));
        Assert.Null(TrainerLocator.FindAssembly(null, server, out _, out var installed));
        Assert.False(installed);
    }

    [Fact]
    public void In_a_checkout_its_release_build_is_found()
    {
        Assert.Equal(Impostors.RealTrainer, TrainerLocator.FindAssembly(null, AppContext.BaseDirectory, out _));
    }
}
