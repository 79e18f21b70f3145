using System.Runtime.InteropServices;

namespace LspFineTune.Trainer.Native;

/// <summary>
/// libtorch's OpenMP threads spin-wait between parallel regions by default. On a shared 2-core machine (CI, other
/// builds running) the spinning threads steal the cores the work needs: a training step measured 10x slower with
/// 2 threads than with 1 under load. OMP_WAIT_POLICY=PASSIVE makes them sleep instead. libgomp reads it when it is
/// loaded, with libtorch, so it must be in the C environment (not just .NET's copy) before the first torch call.
/// A value the user set is kept.
/// </summary>
internal static partial class OpenMpWaitPolicy
{
    private const string Variable = "OMP_WAIT_POLICY";

    public static void PreferPassive()
    {
        if (!OperatingSystem.IsLinux() || Environment.GetEnvironmentVariable(Variable) is not null)
            return;
        _ = setenv(Variable, "PASSIVE", 0);
    }

    [DllImport("libc", CharSet = CharSet.Ansi, BestFitMapping = false, ThrowOnUnmappableChar = true)]
    private static extern int setenv(string name, string value, int overwrite);
}
