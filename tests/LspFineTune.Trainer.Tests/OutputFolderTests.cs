using LspFineTune.Trainer.Training;

namespace LspFineTune.Trainer.Tests;

/// <summary>The rule for output.dir: new, empty or the trainer's own; never the root, the home folder or above it.</summary>
public sealed class OutputFolderTests : IDisposable
{
    private readonly string _folder = Directory.CreateTempSubdirectory("lft-output").FullName;

    public void Dispose() => Directory.Delete(_folder, recursive: true);

    private string Home => Directory.CreateDirectory(Path.Combine(_folder, "home", "me")).FullName;

    [Fact]
    public void The_filesystem_root_the_home_folder_and_the_folders_above_it_are_refused()
    {
        var home = Home;
        Assert.Contains("output.dir is the filesystem root", Assert.Throws<TrainerException>(() => OutputFolder.Prepare("/", "output.dir", home: home)).Message);
        Assert.Contains("output.dir is your home folder", Assert.Throws<TrainerException>(() => OutputFolder.Prepare(home + "/", "output.dir", home: home)).Message);
        Assert.Contains("--output is a folder above your home folder", Assert.Throws<TrainerException>(() => OutputFolder.Prepare(Path.Combine(home, ".."), "--output", home: home)).Message);
        Assert.Equal(1, Assert.Throws<TrainerException>(() => OutputFolder.Prepare("/", "output.dir", home: home)).ExitCode);
        Assert.False(File.Exists(Path.Combine(home, OutputFolder.MarkerFile)));
    }

    [Fact]
    public void A_link_to_the_home_folder_is_refused_like_the_home_folder()
    {
        var home = Home;
        var link = Path.Combine(_folder, "runs");
        Directory.CreateSymbolicLink(link, home);

        var error = Assert.Throws<TrainerException>(() => OutputFolder.Prepare(link, "output.dir", home: home));

        Assert.StartsWith($"{link}: output.dir is your home folder", error.Message);
    }

    [Fact]
    public void A_folder_holding_files_lft_train_did_not_write_is_refused_and_left_as_it_is()
    {
        var project = Directory.CreateDirectory(Path.Combine(_folder, "project")).FullName;
        File.WriteAllText(Path.Combine(project, "train.py"), "");
        Directory.CreateDirectory(Path.Combine(project, "model"));

        var error = Assert.Throws<TrainerException>(() => OutputFolder.Prepare(project, "output.dir", home: Home));

        Assert.StartsWith($"{project}: output.dir is a folder that already holds what lft-train did not write (train.py and 1 more)", error.Message);
        Assert.Contains($"Point output.dir at a new folder, e.g. {Path.Combine(project, "lft-run")}", error.Message);
        Assert.Equal(["model", "train.py"], Directory.GetFileSystemEntries(project).Select(Path.GetFileName).Order());
    }

    [Fact]
    public void A_file_is_refused()
    {
        var file = Path.Combine(_folder, "out");
        File.WriteAllText(file, "");
        Assert.Contains("output.dir is a file, not a folder", Assert.Throws<TrainerException>(() => OutputFolder.Prepare(file, "output.dir", home: Home)).Message);
    }

    [Fact]
    public void A_new_or_empty_folder_is_taken_and_marked_so_a_later_run_may_use_it_again()
    {
        var fresh = Path.Combine(_folder, "runs", "a");
        var empty = Directory.CreateDirectory(Path.Combine(_folder, "empty")).FullName;

        Assert.Equal(fresh, OutputFolder.Prepare(fresh + "/", "output.dir", home: Home));
        Assert.Equal(empty, OutputFolder.Prepare(empty, "output.dir", home: Home));
        File.WriteAllText(Path.Combine(fresh, "metrics.jsonl"), "");

        Assert.True(File.Exists(Path.Combine(fresh, OutputFolder.MarkerFile)));
        Assert.Equal(fresh, OutputFolder.Prepare(fresh, "output.dir", home: Home));
    }

    [Fact]
    public void The_runs_own_metrics_file_does_not_make_a_new_folder_someone_elses()
    {
        var folder = Directory.CreateDirectory(Path.Combine(_folder, "with-metrics")).FullName;
        var metrics = Path.Combine(folder, "metrics.jsonl");
        File.WriteAllText(metrics, "");

        Assert.Equal(folder, OutputFolder.Prepare(folder, "output.dir", metrics, Home));
    }

    [Fact]
    public void An_output_folder_of_an_earlier_lft_train_without_the_marker_is_recognised_by_its_checkpoint()
    {
        LspFineTune.Trainer.Native.LibTorchLoader.EnsureLoaded();
        var earlier = Path.Combine(_folder, "earlier");
        var store = new CheckpointStore(Path.Combine(earlier, "checkpoints"), TextWriter.Null);
        using (var value = TorchSharp.torch.ones(2))
            store.Save(5, [("w", value)], new Dictionary<string, string>());
        Directory.CreateDirectory(Path.Combine(earlier, "adapter"));

        Assert.Equal(earlier, OutputFolder.Prepare(earlier, "output.dir", home: Home));
    }
}
