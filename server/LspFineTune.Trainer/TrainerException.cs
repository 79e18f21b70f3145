namespace LspFineTune.Trainer;

/// <summary>
/// A problem the user can fix (bad input, missing file, unloadable library). The command line prints its message as
/// one stderr line and exits non-zero, never with a stack trace; the message says what, where and what to do.
/// </summary>
public sealed class TrainerException(string message, int exitCode = 2) : Exception(message)
{
    /// <summary>1: the config or data is wrong; 2: the tool could not run (CONFIG.md's exit codes).</summary>
    public int ExitCode { get; } = exitCode;
}
