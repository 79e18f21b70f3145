using System.Globalization;
using System.Text.Json;
using LspFineTune.Server.Hosting;
using LspFineTune.Server.Protocol;
using LspFineTune.Server.Training;
using LspFineTune.Server.Tuning;

namespace LspFineTune.Server.Handlers;

/// <summary>
/// The hyperparameter search from the editor (`lft sweep`, Oliver and Wang 2024), three workspace/executeCommand
/// commands on the document URI: <c>lft.sweep</c> starts it on the saved file (options second: <c>{"trials",
/// "earlyFraction", "seed", "parallel", "space": ["KEY=lo..hi", ...]}</c>) and answers at once with the progress token
/// it reports each trial on; <c>lft.sweepResults</c> answers the last search of the config as data for a results view
/// (its trials, the best, what applying it would change); <c>lft.applySweep</c> applies the best trial (or
/// <c>{"trial": N}</c>) as minimal edits through workspace/applyEdit.
/// </summary>
public sealed class TuningCommands(CommandDocuments documents, DocumentRequests requests, LanguageClient client, EditorRuns runs, ServerLog log)
{
    public const string Sweep = "lft.sweep";
    public const string SweepResults = "lft.sweepResults";
    public const string ApplySweep = "lft.applySweep";

    public async Task<object?> StartAsync(IReadOnlyList<JsonElement> arguments, string? workDoneToken, CancellationToken cancellationToken)
    {
        var (_, analysis, path) = await documents.SavedAsync(Sweep, arguments, cancellationToken).ConfigureAwait(false);
        var name = Path.GetFileName(path);
        if (SweepSetup.Unsearchable(analysis, name) is { } unsearchable)
            throw new LspException(LspErrorCodes.RequestFailed, $"{Sweep}: {unsearchable}");
        var options = Options(CommandDocuments.Options(arguments));
        SweepSpace space;
        try
        {
            space = SweepSpace.From(analysis.Plan!, analysis.Dialect!.Vocabulary, options.Space);
        }
        catch (FormatException e)
        {
            throw LspException.InvalidParams($"{Sweep}: {e.Message}.");
        }
        var trainer = TrainerLocator.Find(out var problem, out var nowhere)
            ?? throw new LspException(nowhere ? LspErrorCodes.TrainerNotFound : LspErrorCodes.RequestFailed, $"{Sweep}: {problem}.");
        var totalSteps = SweepSetup.TotalSteps(analysis)!.Value;
        var folder = SweepSetup.Folder(path, analysis.Plan!);
        var parallel = SweepSetup.Parallel(options, analysis);
        var request = new EditorRunRequest(Sweep, path, $"Tuning {name}", "tuning",
            string.Create(CultureInfo.InvariantCulture, $"{options.Trials} trials, each scored at {options.EarlyFraction:P0} of its {totalSteps} steps, {parallel} at once…"), workDoneToken);
        var token = await runs.StartAsync(request, reporter => new EditorSweep(trainer, path, space, options, folder, totalSteps, parallel, reporter, log.Write), cancellationToken).ConfigureAwait(false);
        return new { started = true, token, config = path, trials = options.Trials, resultsFile = Tuning.Sweep.ResultsPath(path) };
    }

    public async Task<object?> ResultsAsync(IReadOnlyList<JsonElement> arguments, CancellationToken cancellationToken)
    {
        var (snapshot, analysis, _) = await documents.EstimatedAsync(SweepResults, arguments, cancellationToken).ConfigureAwait(false);
        var path = snapshot.FilePath ?? throw new LspException(LspErrorCodes.RequestFailed, $"{SweepResults}: {snapshot.Uri} is not a file on disk; a search reads the saved file.");
        var running = runs.Activity(path) == "tuning";
        var recorded = await Task.Run(() => Read(SweepResults, path), cancellationToken).ConfigureAwait(false);
        if (recorded is null)
            return new { found = false, running, file = Path.GetFileName(path), message = $"No search of {Path.GetFileName(path)} yet: run \"Tune hyperparameters\" (or `lft sweep {Path.GetFileName(path)}`)." };
        var changes = recorded.Best is { } best ? Changes(analysis, best) : [];
        var steps = recorded.Baseline ?? recorded.Trials.FirstOrDefault();
        return new
        {
            found = true,
            running,
            file = Path.GetFileName(path),
            resultsFile = recorded.Path,
            written = recorded.Written.ToString("O", CultureInfo.InvariantCulture),
            earlySteps = steps?.EarlySteps,
            totalSteps = steps?.TotalSteps,
            keys = recorded.Trials.SelectMany(t => t.Parameters.Keys).Distinct().ToList(),
            baseline = recorded.Baseline is { } baseline ? Trial(baseline) : null,
            trials = recorded.Trials.Select(Trial).ToList(),
            best = recorded.Best is { } top ? new
            {
                trial = top.Number,
                finalEvalLoss = top.FinalEvalLoss,
                ratio = recorded.Baseline?.FinalEvalLoss is > 0 and var own ? top.FinalEvalLoss / own : null,
            } : null,
            rankCorrelation = recorded.RankCorrelation,
            changes = changes.Select(c => new { path = c.Path, value = c.ValueText(json: false) }).ToList(),
            // The document already says what the best trial says (applied, or the config as written won).
            applied = recorded.Best is not null && changes.Count == 0,
        };
    }

    public async Task<object?> ApplyAsync(IReadOnlyList<JsonElement> arguments, CancellationToken cancellationToken)
    {
        var (snapshot, analysis, _) = await documents.EstimatedAsync(ApplySweep, arguments, cancellationToken).ConfigureAwait(false);
        var path = snapshot.FilePath ?? throw new LspException(LspErrorCodes.RequestFailed, $"{ApplySweep}: {snapshot.Uri} is not a file on disk.");
        var recorded = await Task.Run(() => Read(ApplySweep, path), cancellationToken).ConfigureAwait(false)
            ?? throw new LspException(LspErrorCodes.RequestFailed, $"{ApplySweep}: no search of {Path.GetFileName(path)} yet; run \"Tune hyperparameters\" first.");
        var wanted = CommandDocuments.Options(arguments) is { ValueKind: JsonValueKind.Object } options && options.TryGetProperty("trial", out var number) && number.TryGetInt32(out var n) ? n : (int?)null;
        var trial = wanted is { } w
            ? (w == 0 ? recorded.Baseline : recorded.Trials.FirstOrDefault(t => t.Number == w))
                ?? throw LspException.InvalidParams($"{ApplySweep}: the search of {Path.GetFileName(path)} has no trial {w}.")
            : recorded.Best ?? throw new LspException(LspErrorCodes.RequestFailed, $"{ApplySweep}: no trial of the search of {Path.GetFileName(path)} ran to the end, so none is best yet.");
        var changes = Changes(analysis, trial);
        if (changes.Count == 0)
            return new { applied = false, trial = trial.Number, changes = Array.Empty<string>(), message = $"{Path.GetFileName(path)} already has {Name(trial)}'s values." };
        var edit = ProtocolConversions.ToWorkspaceEdit(snapshot.Uri, snapshot.Version, SweepEdits.Edits(analysis, changes));
        var applied = requests.Session.Capabilities.ApplyEdit
            && (await client.ApplyEditAsync($"Apply {Name(trial)} of the search", edit, cancellationToken).ConfigureAwait(false))?.Applied == true;
        return new { applied, trial = trial.Number, changes = changes.Select(c => c.ToString()).ToList(), edit };
    }

    /// <summary>What the trial's values change in the document as it is now, in its own keys.</summary>
    private static IReadOnlyList<Core.Editing.ConfigChange> Changes(Core.ConfigAnalysis analysis, RecordedTrial trial) =>
        analysis is { Plan: { } plan, Dialect: { } dialect } ? SweepEdits.Changes(SweepSpace.From(plan, dialect.Vocabulary, []), trial.Parameters) : [];

    private static RecordedSweep? Read(string command, string path)
    {
        var recorded = SweepResultsFile.Read(path, out var problem);
        return problem is null ? recorded : throw new LspException(LspErrorCodes.RequestFailed, $"{command}: {problem}.");
    }

    private static string Name(RecordedTrial trial) => trial.IsBaseline ? "the config as written" : $"trial {trial.Number}";

    private static object Trial(RecordedTrial trial) => new
    {
        trial = trial.Number,
        parameters = trial.Parameters,
        earlyEvalLoss = trial.EarlyEvalLoss,
        finalEvalLoss = trial.FinalEvalLoss,
        seconds = trial.Seconds,
        problem = trial.Problem,
    };

    private static SweepOptions Options(JsonElement options)
    {
        var fraction = CommandDocuments.Number(options, "earlyFraction") ?? 0.2;
        if (fraction is not (> 0 and < 1))
            throw LspException.InvalidParams($"{Sweep}: earlyFraction is a number between 0 and 1 (0.2: a fifth of the schedule), not {fraction.ToString(CultureInfo.InvariantCulture)}.");
        var space = options.ValueKind == JsonValueKind.Object && options.TryGetProperty("space", out var list) && list.ValueKind == JsonValueKind.Array
            ? list.EnumerateArray().Select(e => e.ValueKind == JsonValueKind.String ? LspJson.String(e)! : throw LspException.InvalidParams($"{Sweep}: space lists strings, KEY=lo..hi or KEY=V1,V2,...")).ToList()
            : [];
        return new SweepOptions
        {
            Trials = CommandDocuments.Int(options, "trials") ?? 12,
            EarlyFraction = fraction,
            Seed = options.ValueKind == JsonValueKind.Object && options.TryGetProperty("seed", out var seed) && seed.TryGetInt32(out var s) ? s : 0,
            Parallel = CommandDocuments.Int(options, "parallel"),
            Space = space,
        };
    }
}
