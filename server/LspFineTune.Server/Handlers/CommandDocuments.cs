using System.Text.Json;
using LspFineTune.Core;
using LspFineTune.Core.Estimation;
using LspFineTune.Server.Documents;
using LspFineTune.Server.Hosting;
using LspFineTune.Server.Protocol;

namespace LspFineTune.Server.Handlers;

/// <summary>A config document with an estimate: the version the command acts on and what the pipeline found in it.</summary>
public sealed record EstimatedDocument(DocumentSnapshot Snapshot, ConfigAnalysis Analysis, Estimate Estimate);

/// <summary>A config that a run reads from disk: saved, unchanged since, without errors.</summary>
public sealed record SavedConfig(DocumentSnapshot Snapshot, ConfigAnalysis Analysis, string Path);

/// <summary>
/// What every workspace/executeCommand command starts with: the document URI as its first argument (a string, or an
/// object with <c>uri</c>), options as its second (an object), and the same refusals, worded the same way, when the
/// document is not open, not a config, has no estimate, or (for a run) is not saved as it is shown.
/// </summary>
public sealed class CommandDocuments(DocumentRequests requests)
{
    public async Task<EstimatedDocument> EstimatedAsync(string command, IReadOnlyList<JsonElement> arguments, CancellationToken cancellationToken)
    {
        var uri = arguments.Count > 0 ? UriOf(arguments[0]) : null;
        if (uri is null)
            throw LspException.InvalidParams($"{command}: the first argument must be the document URI (a string or {{\"uri\": ...}}).");
        var snapshot = requests.Snapshot(command, new TextDocumentIdentifier(uri))
            ?? throw new LspException(LspErrorCodes.RequestFailed, $"{command}: {uri} is not open in the editor; open it first.");
        var analysis = await snapshot.GetAnalysisAsync(cancellationToken).ConfigureAwait(false);
        if (!analysis.IsClaimed)
            throw new LspException(LspErrorCodes.RequestFailed, $"{command}: {uri} is not a fine-tuning config that LspFineTune reads (force a dialect with a `# lft: dialect=ID` comment).");
        if (analysis.Estimate is not { } estimate)
            throw new LspException(LspErrorCodes.RequestFailed, $"{command}: no estimate for {uri}: fix the errors it reports first (the model or GPU could not be resolved).");
        return new EstimatedDocument(snapshot, analysis, estimate);
    }

    /// <summary>The config as a run will read it: the file on disk, which must hold the editor's text and no errors.</summary>
    public async Task<SavedConfig> SavedAsync(string command, IReadOnlyList<JsonElement> arguments, CancellationToken cancellationToken)
    {
        var (snapshot, analysis, _) = await EstimatedAsync(command, arguments, cancellationToken).ConfigureAwait(false);
        if (snapshot.FilePath is not { } path || !File.Exists(path))
            throw new LspException(LspErrorCodes.RequestFailed, $"{command}: {snapshot.Uri} is not a file on disk; save it first (the trainer reads the file).");
        // The file is read as every other file is (regular files only, capped): a FIFO in its place must not hang the server.
        var onDisk = Core.Files.RegularFile.ReadText(path, Cli.ConfigFileLoader.MaxFileBytes, out var unreadable, cancellationToken)
            ?? throw new LspException(LspErrorCodes.RequestFailed, $"{command}: cannot read {Path.GetFileName(path)}: {unreadable}.");
        if (!string.Equals(onDisk, snapshot.Text, StringComparison.Ordinal))
            throw new LspException(LspErrorCodes.RequestFailed, $"{command}: {Path.GetFileName(path)} has unsaved changes; save it first (the trainer reads the file from disk).");
        if (analysis.HasErrors)
            throw new LspException(LspErrorCodes.RequestFailed, $"{command}: {Path.GetFileName(path)} has errors; fix them first (see the Problems list).");
        return new SavedConfig(snapshot, analysis, path);
    }

    /// <summary>The options object (the second argument), or an undefined element when there is none.</summary>
    public static JsonElement Options(IReadOnlyList<JsonElement> arguments) =>
        arguments.Count > 1 && arguments[1].ValueKind == JsonValueKind.Object ? arguments[1] : default;

    public static int? Int(JsonElement options, string name) =>
        options.ValueKind == JsonValueKind.Object && options.TryGetProperty(name, out var value) && value.TryGetInt32(out var number) && number > 0 ? number : null;

    public static double? Number(JsonElement options, string name) =>
        options.ValueKind == JsonValueKind.Object && options.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number && value.TryGetDouble(out var number) ? number : null;

    public static string? String(JsonElement options, string name) =>
        options.ValueKind == JsonValueKind.Object && options.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? LspJson.String(value) : null;

    /// <summary>Whether the option is there and <c>false</c> (options that default to on).</summary>
    public static bool IsFalse(JsonElement options, string name) =>
        options.ValueKind == JsonValueKind.Object && options.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.False;

    public static string? UriOf(JsonElement argument) => argument.ValueKind switch
    {
        JsonValueKind.String => LspJson.String(argument),
        JsonValueKind.Object when argument.TryGetProperty("uri", out var uri) && uri.ValueKind == JsonValueKind.String => LspJson.String(uri),
        _ => null,
    };
}
