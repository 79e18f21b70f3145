using System.Text.Json;
using LspFineTune.Core;
using LspFineTune.Core.Diagnostics;
using LspFineTune.Core.Runs;
using LspFineTune.Server.Hosting;
using LspFineTune.Server.Presentation;
using LspFineTune.Server.Protocol;
using LspFineTune.Server.Training;

namespace LspFineTune.Server.Handlers;

/// <summary>
/// <c>lft.trainFramework</c> [uri, {"show": false}?]: how the config runs on its own framework (`lft train FILE --engine
/// framework`, CONFIG.md), for the "Train with axolotl" lens. The server does not start it: a framework run belongs in
/// a terminal, where its user sees its output and can stop it, so the answer is what an editor needs to start one
/// there (the VS Code extension runs it as a task, reading its progress from `--metrics -`): the framework, the command
/// line lft builds, whether its program is on PATH, what the run still needs, how many errors the config has; and, for
/// editors without such a client, the same as a message.
/// </summary>
public sealed class FrameworkCommands(CommandDocuments documents, LanguageClient client)
{
    public const string TrainFramework = "lft.trainFramework";

    /// <summary>The command that starts the config on its framework; null when lft starts none for it (the native format,
    /// a companion file, a plan it cannot bind).</summary>
    public static LaunchCommand? Launch(ConfigAnalysis analysis, string configPath) =>
        FrameworkLaunch.For(analysis, configPath, Environment.GetEnvironmentVariable).Command;

    public async Task<object?> DescribeAsync(IReadOnlyList<JsonElement> arguments, CancellationToken cancellationToken)
    {
        var (snapshot, analysis, _) = await documents.EstimatedAsync(TrainFramework, arguments, cancellationToken).ConfigureAwait(false);
        var path = snapshot.FilePath ?? throw new LspException(LspErrorCodes.RequestFailed, $"{TrainFramework}: {snapshot.Uri} is not a file on disk; save it first (the framework reads the file).");
        var launch = FrameworkLaunch.For(analysis, path, Environment.GetEnvironmentVariable);
        if (launch.Command is not { } command)
            throw new LspException(LspErrorCodes.RequestFailed, $"{TrainFramework}: {Path.GetFileName(path)}: {launch.Problem}");
        var name = FrameworkNames.Of(command.Framework);
        var installed = ExecutableSearch.Find(command.Program, Environment.GetEnvironmentVariable) is not null;
        var errors = analysis.Diagnostics.Count(d => d.Severity == DiagnosticSeverity.Error);
        var file = Path.GetFileName(path);
        var message = !installed
            ? $"`{command.Program}` is not on the PATH the editor was started with: install {name}, or start the editor from the environment it is installed in. The command: {command.ShellText()}"
            : command.Missing.Count > 0
                ? $"This {analysis.Plan!.Hardware.Nodes}-node run needs {string.Join(" and ", command.Missing)} on each node; run `lft train {file} --engine framework` on every node with them set."
                : $"Train with {name} in a terminal: `lft train {file} --engine framework` runs {command.ShellText()} and reads its progress.";
        if (!CommandDocuments.IsFalse(CommandDocuments.Options(arguments), "show"))
            await client.ShowMessageAsync(installed && command.Missing.Count == 0 ? MessageType.Info : MessageType.Warning, message).ConfigureAwait(false);
        return new
        {
            framework = command.Framework,
            name,
            program = command.Program,
            installed,
            shell = command.ShellText(),
            notes = command.Notes,
            missing = command.Missing,
            errors,
            config = path,
            message,
        };
    }
}
