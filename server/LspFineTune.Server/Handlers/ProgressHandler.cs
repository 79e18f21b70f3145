using System.Text.Json;
using LspFineTune.Server.Hosting;
using LspFineTune.Server.Training;
using StreamJsonRpc;

namespace LspFineTune.Server.Handlers;

/// <summary>window/workDoneProgress/cancel: the user pressed Cancel on a run's progress (a training, a search).</summary>
public sealed class ProgressHandler(EditorRuns runs)
{
    [JsonRpcMethod("window/workDoneProgress/cancel", UseSingleObjectParameterDeserialization = true)]
    public void Cancel(JsonElement? parameters = null)
    {
        if (parameters is { ValueKind: JsonValueKind.Object } cancel && cancel.TryGetProperty("token", out var token))
            runs.Cancel(token.ValueKind == JsonValueKind.String ? LspJson.String(token)! : token.GetRawText());
    }
}
