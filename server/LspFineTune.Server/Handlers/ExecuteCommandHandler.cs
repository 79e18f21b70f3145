using System.Text.Json;
using LspFineTune.Core.Advice;
using LspFineTune.Core.Editing;
using LspFineTune.Core.Estimation;
using LspFineTune.Server.Documents;
using LspFineTune.Server.Hosting;
using LspFineTune.Server.Presentation;
using LspFineTune.Server.Protocol;
using LspFineTune.Server.Training;
using StreamJsonRpc;

namespace LspFineTune.Server.Handlers;

/// <summary>
/// workspace/executeCommand. Each command takes the document URI as its first argument (a string, or an object with
/// <c>uri</c>): <c>lft.showBreakdown</c> answers the breakdown as data and Markdown (the VS Code view draws it),
/// <c>lft.hardware</c> says which GPUs the estimate assumes and where that came from, <c>lft.setGpu</c> records a GPU
/// choice through the document's dialect, <c>lft.plan</c> finds the fastest plan that fits and applies it through workspace/applyEdit (pass
/// <c>{"apply": false}</c> second to only look), <c>lft.train</c> starts the bundled trainer on the saved file (options
/// second: <c>{"maxSteps", "outputDir", "threads"}</c>) and answers at once with the progress token it reports on; the
/// search commands (<c>lft.sweep</c>, <c>lft.sweepResults</c>, <c>lft.applySweep</c>) are <see cref="TuningCommands"/>; <c>lft.trainFramework</c> (how the config runs on its own framework) is
/// <see cref="FrameworkCommands"/>.
/// </summary>
public sealed class ExecuteCommandHandler(DocumentRequests requests, CommandDocuments documents, LanguageClient client, TrainingSessions training, TuningCommands tuning, FrameworkCommands frameworks)
{
    public const string ShowBreakdown = "lft.showBreakdown";
    public const string Plan = "lft.plan";
    public const string Train = "lft.train";
    public const string Hardware = "lft.hardware";
    public const string SetGpu = "lft.setGpu";

    public static readonly IReadOnlyList<string> Commands = [ShowBreakdown, Plan, Train, Hardware, SetGpu, TuningCommands.Sweep, TuningCommands.SweepResults, TuningCommands.ApplySweep, FrameworkCommands.TrainFramework];

    private const string Method = "workspace/executeCommand";

    public static IReadOnlyList<JsonElement> Arguments(string uri) => [LspJson.ToElement(uri)];

    [JsonRpcMethod(Method, UseSingleObjectParameterDeserialization = true)]
    public async Task<object?> ExecuteCommand(ExecuteCommandParams? parameters = null, CancellationToken cancellationToken = default)
    {
        requests.Session.EnsureRunning(Method);
        var command = parameters?.Command ?? throw LspException.InvalidParams($"{Method}: params.command is missing.");
        var arguments = parameters.Arguments ?? [];
        return command switch
        {
            ShowBreakdown => await BreakdownAsync(await documents.EstimatedAsync(command, arguments, cancellationToken).ConfigureAwait(false)).ConfigureAwait(false),
            Plan => await PlanAsync(await documents.EstimatedAsync(command, arguments, cancellationToken).ConfigureAwait(false), arguments, cancellationToken).ConfigureAwait(false),
            Train => await TrainAsync(arguments, TokenText(parameters.WorkDoneToken), cancellationToken).ConfigureAwait(false),
            Hardware => await HardwareAsync(await documents.EstimatedAsync(command, arguments, cancellationToken).ConfigureAwait(false), arguments).ConfigureAwait(false),
            SetGpu => await SetGpuAsync(arguments, cancellationToken).ConfigureAwait(false),
            TuningCommands.Sweep => await tuning.StartAsync(arguments, TokenText(parameters.WorkDoneToken), cancellationToken).ConfigureAwait(false),
            TuningCommands.SweepResults => await tuning.ResultsAsync(arguments, cancellationToken).ConfigureAwait(false),
            TuningCommands.ApplySweep => await tuning.ApplyAsync(arguments, cancellationToken).ConfigureAwait(false),
            FrameworkCommands.TrainFramework => await frameworks.DescribeAsync(arguments, cancellationToken).ConfigureAwait(false),
            _ => throw LspException.InvalidParams($"{Method}: unknown command `{command}`; this server runs {string.Join(", ", Commands)}."),
        };
    }

    private Task<object?> BreakdownAsync(EstimatedDocument document)
    {
        var (snapshot, _, estimate) = document;
        var binary = requests.BinaryUnits;
        var memory = estimate.Memory;
        var runtime = estimate.Runtime;
        object result = new
        {
            uri = snapshot.Uri,
            version = snapshot.Version,
            fits = memory.Fits,
            gpu = estimate.Plan.Hardware.Gpu.Name,
            gpus = estimate.Plan.Hardware.TotalGpus,
            units = binary ? "GiB" : "GB",
            peakBytes = memory.PeakBytes,
            usableBytes = memory.UsableBytes,
            offloadedBytesPerNode = memory.OffloadedBytesPerNode,
            terms = memory.Terms.Select(t => new { name = t.Name, label = EstimateMarkdown.Label(t.Name), bytes = t.Bytes, formula = t.Formula, source = t.Source }).ToList(),
            runtime = new
            {
                stepSeconds = runtime.StepSeconds,
                tokensPerSecond = runtime.TokensPerSecond,
                totalSeconds = runtime.TotalSeconds,
                totalSteps = runtime.TotalSteps,
                terms = runtime.Terms.Select(t => new { name = t.Name, seconds = t.Seconds, formula = t.Formula }).ToList(),
            },
            summary = EstimateMarkdown.Summary(estimate, binary),
            markdown = EstimateMarkdown.Breakdown(estimate, binary),
        };
        return Task.FromResult<object?>(result);
    }

    private async Task<object?> PlanAsync(EstimatedDocument document, IReadOnlyList<JsonElement> arguments, CancellationToken cancellationToken)
    {
        var (snapshot, analysis, estimate) = document;
        var apply = !(arguments.Count > 1 && arguments[1].ValueKind == JsonValueKind.Object
            && arguments[1].TryGetProperty("apply", out var flag) && flag.ValueKind == JsonValueKind.False);
        // The snapshot has an estimate (EstimateAsync checked), so its cached plan search is there.
        var result = snapshot.FastestPlan!;
        if (result.Best is not { } best)
        {
            var message = estimate.Memory.Fits
                ? $"Already the fastest plan that fits ({result.PlansTried} plans tried)."
                : $"Nothing fits on {estimate.Plan.Hardware.TotalGpus} × {estimate.Plan.Hardware.Gpu.Name} ({result.PlansTried} plans tried): use more or larger GPUs, a shorter sequence_length or a smaller model.";
            await client.ShowMessageAsync(estimate.Memory.Fits ? MessageType.Info : MessageType.Warning, message).ConfigureAwait(false);
            return new { found = false, applied = false, message, plansTried = result.PlansTried };
        }
        var edit = ProtocolConversions.ToWorkspaceEdit(snapshot.Uri, snapshot.Version, analysis.Write(best.Changes));
        // A client that cannot apply edits gets the plan and its edit in the reply instead.
        var applied = apply && requests.Session.Capabilities.ApplyEdit
            && (await client.ApplyEditAsync(best.Title, edit, cancellationToken).ConfigureAwait(false))?.Applied == true;
        return new
        {
            found = true,
            applied,
            title = best.Title,
            changes = best.Changes.Select(c => new { path = analysis.Dialect!.Vocabulary.Key(c.Field), value = analysis.Dialect.Vocabulary.Value(c) }).ToList(),
            edit,
            peakBytes = best.Result.Memory.PeakBytes,
            stepSeconds = best.Result.Runtime.StepSeconds,
            plansTried = result.PlansTried,
        };
    }

    /// <summary>
    /// The hardware the estimate assumes, where it came from, and how to change it in this document's dialect; shown
    /// as a message too (the lens's answer in clients without a picker) unless the second argument is <c>{"show": false}</c>.
    /// </summary>
    private async Task<object?> HardwareAsync(EstimatedDocument document, IReadOnlyList<JsonElement> arguments)
    {
        var (_, analysis, estimate) = document;
        var hardware = estimate.Plan.Hardware;
        var source = analysis.Provenance.Of(Core.Dialects.PlanField.Gpu);
        var how = analysis.Dialect is Core.Dialects.Native.NativeDialect ? "`hardware.gpu` and `hardware.gpus_per_node`" : "a `# lft: gpu=ID gpus_per_node=N` comment in the first lines";
        var message = $"{EstimateMarkdown.Hardware(estimate, analysis.Provenance)}. Change it with {how}, or the lft.defaultGpu / lft.gpuCount settings.";
        var options = arguments.Count > 1 && arguments[1].ValueKind == JsonValueKind.Object ? arguments[1] : default;
        if (!(options.ValueKind == JsonValueKind.Object && options.TryGetProperty("show", out var show) && show.ValueKind == JsonValueKind.False))
            await client.ShowMessageAsync(MessageType.Info, message).ConfigureAwait(false);
        return new { gpu = hardware.Gpu.Id, gpusPerNode = hardware.GpusPerNode, nodes = hardware.Nodes, source = source.OriginName, message };
    }

    /// <summary>
    /// Records a GPU choice in the document, through its dialect (native: <c>hardware.gpu</c>; axolotl and the other
    /// formats, which have no key for it: the <c># lft:</c> modeline), and applies it with workspace/applyEdit.
    /// Arguments: the URI, then <c>{"gpu": ID, "gpusPerNode": N}</c>.
    /// </summary>
    private async Task<object?> SetGpuAsync(IReadOnlyList<JsonElement> arguments, CancellationToken cancellationToken)
    {
        var uri = arguments.Count > 0 ? UriOf(arguments[0]) : null;
        var options = arguments.Count > 1 && arguments[1].ValueKind == JsonValueKind.Object ? arguments[1] : default;
        var gpuId = String(options, "gpu");
        if (uri is null || gpuId is null)
            throw LspException.InvalidParams($"{SetGpu}: the arguments are the document URI and {{\"gpu\": ID, \"gpusPerNode\": N}}.");
        var gpu = Core.Catalogs.GpuCatalog.Default.Find(gpuId)
            ?? throw LspException.InvalidParams($"{SetGpu}: unknown GPU `{gpuId}`; `lft gpus` lists the ids.");
        var snapshot = requests.Snapshot(SetGpu, new TextDocumentIdentifier(uri))
            ?? throw new LspException(LspErrorCodes.RequestFailed, $"{SetGpu}: {uri} is not open in the editor; open it first.");
        var analysis = await snapshot.GetAnalysisAsync(cancellationToken).ConfigureAwait(false);
        if (analysis is not { Dialect: { } dialect, Binding: { } binding })
            throw new LspException(LspErrorCodes.RequestFailed, $"{SetGpu}: {uri} is not a fine-tuning config that LspFineTune reads.");
        var edits = dialect.WriteHardware(binding, gpu.Id, Int(options, "gpusPerNode"));
        if (edits.Count == 0)
            throw new LspException(LspErrorCodes.RequestFailed, $"{SetGpu}: a {dialect.DisplayName} file has no place for the GPU (JSON has no comments); use the lft.defaultGpu setting.");
        var edit = ProtocolConversions.ToWorkspaceEdit(snapshot.Uri, snapshot.Version, edits);
        var applied = requests.Session.Capabilities.ApplyEdit
            && (await client.ApplyEditAsync($"Estimate on {gpu.Name}", edit, cancellationToken).ConfigureAwait(false))?.Applied == true;
        return new { applied, edit };
    }

    private async Task<object?> TrainAsync(IReadOnlyList<JsonElement> arguments, string? workDoneToken, CancellationToken cancellationToken)
    {
        var (snapshot, _, path) = await documents.SavedAsync(Train, arguments, cancellationToken).ConfigureAwait(false);
        var trainer = TrainerLocator.Find(out var problem, out var nowhere)
            ?? throw new LspException(nowhere ? LspErrorCodes.TrainerNotFound : LspErrorCodes.RequestFailed, $"{Train}: {problem}.");
        var options = CommandDocuments.Options(arguments);
        var request = new TrainingRequest(snapshot.Uri, path, Int(options, "maxSteps"), String(options, "outputDir"), Int(options, "threads"), requests.BinaryUnits)
        {
            WorkDoneToken = workDoneToken,
        };
        var token = await training.StartAsync(trainer, request, cancellationToken).ConfigureAwait(false);
        return new { started = true, token, config = path };
    }

    /// <summary>A progress token as text (LSP allows integers and strings).</summary>
    private static string? TokenText(JsonElement? token) => token switch
    {
        { ValueKind: JsonValueKind.String } text => LspJson.String(text),
        { ValueKind: JsonValueKind.Number } number => number.GetRawText(),
        _ => null,
    };

    private static int? Int(JsonElement options, string name) => CommandDocuments.Int(options, name);

    private static string? String(JsonElement options, string name) => CommandDocuments.String(options, name);

    private static string? UriOf(JsonElement argument) => CommandDocuments.UriOf(argument);
}
