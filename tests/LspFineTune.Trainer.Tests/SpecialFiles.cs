using System.Diagnostics;

namespace LspFineTune.Trainer.Tests;

/// <summary>FIFOs, devices and links for the tests of "regular files only".</summary>
internal static class SpecialFiles
{
    public const string Zero = "/dev/zero";

    /// <summary>A named pipe at <paramref name="path"/> (no writer ever opens it: a plain open for reading would block forever).</summary>
    public static string MakeFifo(string path)
    {
        using var mkfifo = Process.Start("mkfifo", [path])!;
        mkfifo.WaitForExit();
        Assert.Equal(0, mkfifo.ExitCode);
        return path;
    }

    /// <summary>Runs <paramref name="action"/> and fails instead of hanging when it does not finish in a minute.</summary>
    public static T Finishes<T>(Func<T> action)
    {
        var task = Task.Run(action);
        Assert.True(task.Wait(TimeSpan.FromMinutes(1)), "did not finish: blocked on the file?");
        return task.Result;
    }

    /// <summary>The exception <paramref name="action"/> throws, failing instead of hanging.</summary>
    public static TException Throws<TException>(Action action) where TException : Exception =>
        Finishes(() => Assert.Throws<TException>(action));
}
