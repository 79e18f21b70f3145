using LspFineTune.Server.Training;

namespace LspFineTune.Server.Tests.Training;

/// <summary>Only this release's lft-train passes, and the check reads metadata: nothing of the file runs, nothing blocks.</summary>
public sealed class TrainerIdentityTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [Fact]
    public void The_trainer_of_this_release_passes()
    {
        Assert.Null(TrainerIdentity.Problem(Impostors.RealTrainer));
    }

    [Fact]
    public void A_script_named_lft_train_dll_is_refused_without_being_run()
    {
        var marker = Path.Combine(_folder.Path, "ran");
        var script = Impostors.Script(_folder.Path, "lft-train.dll", marker);

        Assert.Equal("it is not a .NET assembly", TrainerIdentity.Problem(script));
        Assert.False(File.Exists(marker));
    }

    [Fact]
    public void Another_assembly_under_the_trainers_name_is_refused()
    {
        var other = Impostors.Assembly(_folder.Path, "lft-train.dll", "SomethingElse", TrainerIdentity.ExpectedVersion);

        Assert.Equal("it is the .NET assembly `SomethingElse`, not lft-train", TrainerIdentity.Problem(other));
    }

    [Fact]
    public void An_lft_train_of_another_release_is_refused()
    {
        var older = Impostors.Assembly(_folder.Path, "lft-train.dll", "lft-train", new Version(0, 0, 1, 0));

        var problem = TrainerIdentity.Problem(older);

        Assert.Equal($"it is lft-train 0.0.1.0, and this server ({TrainerIdentity.ExpectedVersion}) runs only the trainer of its own release", problem);
    }

    [Fact]
    public async Task A_fifo_or_a_folder_is_refused_at_once()
    {
        if (OperatingSystem.IsWindows())
            return;
        var fifo = Impostors.Fifo(_folder.Path, "lft-train.dll");
        var folder = Directory.CreateDirectory(Path.Combine(_folder.Path, "folder", "lft-train.dll")).FullName;

        // A generous bound that only a blocked open of the FIFO would reach.
        var check = Task.Run(() => (TrainerIdentity.Problem(fifo), TrainerIdentity.Problem(folder)));
        var (fifoProblem, folderProblem) = await check.WaitAsync(TimeSpan.FromSeconds(30));

        Assert.Contains("not a regular file", fifoProblem);
        Assert.Equal("it is a directory, not a file", folderProblem);
    }
}
