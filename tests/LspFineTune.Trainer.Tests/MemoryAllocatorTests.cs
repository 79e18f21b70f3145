using System.Diagnostics;
using LspFineTune.Trainer.Native;

namespace LspFineTune.Trainer.Tests;

/// <summary>
/// lft-train re-executes itself under tcmalloc when the machine has it (Native/MemoryAllocator): the estimate's
/// figures are what tcmalloc delivers, glibc's malloc keeps freed tensor memory resident.
/// </summary>
public sealed class MemoryAllocatorTests
{
    private static readonly bool TcmallocInstalled = MemoryAllocator.FindTcmalloc() is not null;

    private static (string Allocator, string Stderr, MetricsLines Metrics) Train(string config, string? choice)
    {
        var info = TrainerProcess.StartInfo("train", config);
        if (choice is not null)
            info.Environment["LFT_TRAIN_ALLOCATOR"] = choice;
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(2)), "lft-train did not finish within 2 minutes");
        Assert.True(process.ExitCode == 0, stderr.Result);
        var metrics = new MetricsLines(stdout.Result);
        return (metrics.Events("start").Single()["allocator"]!.GetValue<string>(), stderr.Result, metrics);
    }

    [Fact]
    public void Training_runs_under_tcmalloc_when_installed_and_otherwise_says_what_glibc_costs()
    {
        using var run = new TempRun();
        var (allocator, stderr, metrics) = Train(run.WriteConfig(TempRun.TwoStepLora), choice: null);

        Assert.Equal(2, metrics.Events("step").Count());
        if (TcmallocInstalled)
        {
            Assert.Equal("tcmalloc", allocator);
            Assert.DoesNotContain("memory allocator glibc", stderr);
        }
        else
        {
            Assert.Equal("glibc", allocator);
            Assert.Contains("memory allocator glibc malloc (tcmalloc was not found)", stderr);
            Assert.Contains("libtcmalloc-minimal4", stderr);
        }
    }

    [Fact]
    public void LFT_TRAIN_ALLOCATOR_glibc_keeps_glibc_without_a_note_and_a_missing_library_is_named()
    {
        using var run = new TempRun();
        var config = run.WriteConfig(TempRun.TwoStepLora);

        var (allocator, stderr, _) = Train(config, "glibc");
        Assert.Equal("glibc", allocator);
        Assert.DoesNotContain("memory allocator", stderr);

        var missing = Path.Combine(run.Directory, "no-such-libtcmalloc.so");
        (allocator, stderr, _) = Train(config, missing);
        Assert.Equal("glibc", allocator);
        Assert.Contains($"LFT_TRAIN_ALLOCATOR={missing}: no such file", stderr);
    }
}
