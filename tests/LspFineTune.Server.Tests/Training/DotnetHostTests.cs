using LspFineTune.Server.Training;

namespace LspFineTune.Server.Tests.Training;

/// <summary>
/// The host that runs the trainer is an absolute path: a bare "dotnet" would be resolved by Process.Start against the
/// working directory (the workspace folder) before PATH, so empty and relative PATH entries are never searched.
/// </summary>
public sealed class DotnetHostTests : IDisposable
{
    private readonly TempFolder _folder = new();

    public void Dispose() => _folder.Dispose();

    [System.Runtime.Versioning.UnsupportedOSPlatform("windows")]
    private string FakeDotnet(string folder, bool executable = true)
    {
        var path = Path.Combine(Directory.CreateDirectory(Path.Combine(_folder.Path, folder)).FullName, "dotnet");
        File.WriteAllText(path, "#!/bin/sh\n");
        File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | (executable ? UnixFileMode.UserExecute : 0));
        return path;
    }

    private static Func<string, string?> Environment(string path) => name => name == "PATH" ? path : null;

    [Fact]
    public void Relative_and_empty_path_entries_are_skipped()
    {
        if (OperatingSystem.IsWindows())
            return;
        var absolute = FakeDotnet("bin");

        var found = DotnetHost.Find(Environment($".::tools:{Path.GetDirectoryName(absolute)}"), processPath: "/usr/bin/lft", out _);

        Assert.Equal(absolute, found);
    }

    [Fact]
    public void Only_relative_entries_find_nothing_and_say_so()
    {
        Assert.Null(DotnetHost.Find(Environment(".:bin"), processPath: null, out var problem));
        Assert.Contains("was not found in an absolute PATH folder or DOTNET_ROOT", problem);
    }

    [Fact]
    public void A_file_that_is_not_executable_is_skipped()
    {
        if (OperatingSystem.IsWindows())
            return;
        var plain = FakeDotnet("plain", executable: false);
        var runnable = FakeDotnet("runnable");

        Assert.Equal(runnable, DotnetHost.Find(Environment($"{Path.GetDirectoryName(plain)}:{Path.GetDirectoryName(runnable)}"), processPath: null, out _));
    }

    [Fact]
    public void The_servers_own_host_comes_before_path()
    {
        if (OperatingSystem.IsWindows())
            return;
        var own = FakeDotnet("own");
        var onPath = FakeDotnet("path");

        Assert.Equal(own, DotnetHost.Find(Environment(Path.GetDirectoryName(onPath)!), processPath: own, out _));
    }
}
