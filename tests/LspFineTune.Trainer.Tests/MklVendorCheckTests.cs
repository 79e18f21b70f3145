using System.Diagnostics;
using LspFineTune.Trainer.Native;

namespace LspFineTune.Trainer.Tests;

/// <summary>
/// On AMD CPUs with AVX-512, lft-train answers the vendor check of libtorch's MKL so MKL picks its AVX-512 kernels
/// (Native/MklVendorCheck); elsewhere, or with LFT_TRAIN_MKL_VENDOR_CHECK=keep, MKL's own check stands.
/// FirstStepLossTests runs lft-train the same way, so the numerics bar holds with these kernels too.
/// </summary>
public sealed class MklVendorCheckTests
{
    private static bool Answered(string config, string? choice)
    {
        var info = TrainerProcess.StartInfo("train", config);
        if (choice is not null)
            info.Environment[MklVendorCheck.ChoiceVariable] = choice;
        using var process = Process.Start(info)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(2)), "lft-train did not finish within 2 minutes");
        Assert.True(process.ExitCode == 0, stderr.Result);
        return new MetricsLines(stdout.Result).Events("start").Single()["mkl_vendor_check_answered"]!.GetValue<bool>();
    }

    [Fact]
    public void MKL_gets_its_AVX512_kernels_on_AMD_CPUs_that_have_them_and_keep_leaves_its_own_check()
    {
        using var run = new TempRun();
        var config = run.WriteConfig(TempRun.TwoStepLora);
        var built = File.Exists(Path.Combine(AppContext.BaseDirectory, MklVendorCheck.LibraryName));

        Assert.Equal(built && MklVendorCheck.IsAmdWithAvx512(), Answered(config, choice: null));
        Assert.False(Answered(config, "keep"));
    }
}
