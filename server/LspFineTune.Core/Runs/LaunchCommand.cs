using System.Text;

namespace LspFineTune.Core.Runs;

/// <summary>
/// The command line that starts a config on its own framework: the program and its arguments (run without a shell, so
/// nothing is re-split or expanded), the environment variables it sets, and notes for the user (how to run it on each
/// node, what the tool adds for its progress). <see cref="Missing"/> names what a run still needs that only the user
/// can give (a multi-node run's rank and head address); the command then shows <c>$NAME</c> in their place.
/// </summary>
public sealed record LaunchCommand(string Framework, IReadOnlyList<string> Arguments)
{
    public IReadOnlyList<KeyValuePair<string, string>> Environment { get; init; } = [];

    public IReadOnlyList<string> Notes { get; init; } = [];

    /// <summary>Environment variables the run needs and this environment lacks (NODE_RANK, MASTER_ADDR).</summary>
    public IReadOnlyList<string> Missing { get; init; } = [];

    /// <summary>Which log formats the framework prints, so progress is read with the right parsers.</summary>
    public LogFormats Logs { get; init; } = LogFormats.HuggingFaceTrainer;

    /// <summary>The output folder the framework writes to (relative to the launch directory), where its own logs are.</summary>
    public string? OutputDir { get; init; }

    public string Program => Arguments[0];

    /// <summary>As one would type it in a POSIX shell: <c>FORCE_TORCHRUN=1 NPROC_PER_NODE=8 llamafactory-cli train cfg.yaml</c>.</summary>
    public string ShellText()
    {
        var text = new StringBuilder();
        foreach (var (name, value) in Environment)
            text.Append(name).Append('=').Append(Quote(value)).Append(' ');
        text.AppendJoin(' ', Arguments.Select(Quote));
        return text.ToString();
    }

    /// <summary>A word as a POSIX shell reads it back: bare when it has only safe characters, else in single quotes;
    /// a <c>$NAME</c> placeholder for a missing variable stays bare so the shell fills it.</summary>
    public static string Quote(string word)
    {
        if (word.Length > 0 && word.All(c => char.IsAsciiLetterOrDigit(c) || "-_./=:,+@%".Contains(c)))
            return word;
        if (word.Length > 1 && word[0] == '$' && word[1..].All(c => char.IsAsciiLetterUpper(c) || c == '_'))
            return word;
        return "'" + word.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
    }
}

/// <summary>The log formats a framework prints (several at once: a trainer's dict lines, its tqdm bar, DeepSpeed's).</summary>
[Flags]
public enum LogFormats
{
    None = 0,

    /// <summary>The Hugging Face Trainer's <c>{'loss': ..., 'learning_rate': ...}</c> lines and its tqdm bar.</summary>
    HuggingFaceTrainer = 1,

    /// <summary>torchtune's <c>Step N | loss:... lr:...</c> lines and its <c>epoch|step|Loss: x</c> bar.</summary>
    Torchtune = 2,

    /// <summary>DeepSpeed's <c>step=N, skipped=.., lr=[..]</c> and throughput-timer lines.</summary>
    DeepSpeed = 4,
}

/// <summary>A command, or why the config cannot be started on a framework (one line that says what to do).</summary>
public sealed record LaunchResult(LaunchCommand? Command, string? Problem)
{
    public static LaunchResult Of(LaunchCommand command) => new(command, null);

    public static LaunchResult Refused(string problem) => new(null, problem);
}
