using LspFineTune.Core.Files;
using LspFineTune.Core.Runs.History;
using LspFineTune.Server.Presentation;
using LspFineTune.Server.Protocol;
using StreamJsonRpc;

namespace LspFineTune.Server.Handlers;

/// <summary>
/// textDocument/codeLens at the top of the document: the estimate ("Peak 93.4 GB of 79.2 GB per GPU · 3 h 12 min/epoch",
/// opens the breakdown), the hardware and its source ("On 1 × A100 80GB SXM4, the default"), "Find a plan that fits"
/// (or a faster one), "Train with bundled trainer" (or "Train with axolotl", LLaMA-Factory, ...: the engine `lft train`
/// would choose), "Tune hyperparameters" (on configs the bundled trainer runs on this
/// machine's CPU), and the last run's measured peak next to its estimate when the
/// config's run history (<c>.lft/runs.jsonl</c>) has one.
/// </summary>
public sealed class CodeLensHandler(DocumentRequests requests)
{
    private const string Method = "textDocument/codeLens";

    [JsonRpcMethod(Method, UseSingleObjectParameterDeserialization = true)]
    public async Task<IReadOnlyList<CodeLens>> CodeLenses(CodeLensParams? parameters = null, CancellationToken cancellationToken = default)
    {
        if (await requests.AnalyzedAsync(Method, parameters?.TextDocument, cancellationToken).ConfigureAwait(false) is not { Analysis.Estimate: { } estimate } document)
            return [];
        var snapshot = document.Snapshot;
        var top = new LspRange(new Position(0, 0), new Position(0, 0));
        var arguments = ExecuteCommandHandler.Arguments(snapshot.Uri);
        List<CodeLens> lenses =
        [
            new CodeLens(top, new LspCommand(EstimateMarkdown.Summary(estimate, requests.BinaryUnits), ExecuteCommandHandler.ShowBreakdown, arguments)),
            new CodeLens(top, new LspCommand(estimate.Memory.Fits ? "Find a faster plan that fits" : "Find a plan that fits", ExecuteCommandHandler.Plan, arguments)),
            TrainLens(document.Analysis, snapshot.FilePath ?? snapshot.Uri, top, arguments),
        ];
        // The search's trials run the bundled trainer on this machine: offered where the config runs on its CPU.
        if (estimate.Plan.Hardware.Gpu.IsCpu)
            lenses.Add(new CodeLens(top, new LspCommand("Tune hyperparameters", TuningCommands.Sweep, arguments)));
        lenses.Add(new CodeLens(top, new LspCommand(EstimateMarkdown.Hardware(estimate, document.Analysis.Provenance), ExecuteCommandHandler.Hardware, arguments)));
        // A file read: off the message loop, through the cached access.
        if (snapshot.FilePath is { } path
            && await Task.Run(() => RunHistory.LastMeasured(AuxiliaryFileCache.Shared, path), cancellationToken).ConfigureAwait(false) is { } run
            && RunComparison.LastRun(run, snapshot.Text, requests.BinaryUnits) is { } lastRun)
            lenses.Add(new CodeLens(top, new LspCommand(lastRun, ExecuteCommandHandler.ShowBreakdown, arguments)));
        return lenses;
    }

    /// <summary>The engine `lft train` would choose: the bundled trainer for the native format and configs on this
    /// CPU, else the config's own framework ("Train with axolotl") where lft knows how to start it.</summary>
    private static CodeLens TrainLens(Core.ConfigAnalysis analysis, string path, LspRange top, IReadOnlyList<System.Text.Json.JsonElement> arguments) =>
        Cli.TrainCommand.DefaultEngine(analysis) == Cli.TrainArguments.Framework && FrameworkCommands.Launch(analysis, path) is { } launch
            ? new CodeLens(top, new LspCommand($"Train with {FrameworkNames.Of(launch.Framework)}", FrameworkCommands.TrainFramework, arguments))
            : new CodeLens(top, new LspCommand("Train with bundled trainer", ExecuteCommandHandler.Train, arguments));
}
