using System.Diagnostics;
using System.Reflection;
using System.Reflection.Emit;

namespace LspFineTune.Server.Tests.Training;

/// <summary>Files that sit where the trainer is looked for but are not it, and the real trainer's Release build.</summary>
public static class Impostors
{
    /// <summary>The trainer's Release build (TrainCommandTests run it too): `dotnet build server/LspFineTune.Trainer -c Release`.</summary>
    public static string RealTrainer
    {
        get
        {
            var path = Path.Combine(Repo.Root, "server", "LspFineTune.Trainer", "bin", "Release", "net10.0", "linux-x64", "lft-train.dll");
            Assert.True(File.Exists(path), $"{path} is missing: build the trainer with `dotnet build server/LspFineTune.Trainer -c Release`");
            return path;
        }
    }

    /// <summary>A shell script that, if anything runs it, leaves <paramref name="marker"/> behind.</summary>
    public static string Script(string folder, string name, string marker)
    {
        var path = Path.Combine(folder, name);
        File.WriteAllText(path, $"#!/bin/sh\ntouch '{marker}'\n");
        if (!OperatingSystem.IsWindows())
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        return path;
    }

    /// <summary>A real .NET assembly with the given name and version (metadata only, nothing to run).</summary>
    public static string Assembly(string folder, string fileName, string assemblyName, Version version)
    {
        var builder = new PersistedAssemblyBuilder(new AssemblyName(assemblyName) { Version = version }, typeof(object).Assembly);
        builder.DefineDynamicModule(assemblyName).DefineType("Placeholder", TypeAttributes.Public).CreateType();
        var path = Path.Combine(folder, fileName);
        builder.Save(path);
        return path;
    }

    /// <summary>A FIFO: opening it to read blocks until a writer comes, which never happens here.</summary>
    public static string Fifo(string folder, string name)
    {
        var path = Path.Combine(folder, name);
        using var mkfifo = Process.Start(new ProcessStartInfo("mkfifo", [path]) { UseShellExecute = false })!;
        mkfifo.WaitForExit();
        Assert.Equal(0, mkfifo.ExitCode);
        return path;
    }
}
