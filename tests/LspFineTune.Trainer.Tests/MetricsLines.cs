using System.Text.Json.Nodes;

namespace LspFineTune.Trainer.Tests;

/// <summary>The JSON lines a run printed, by event.</summary>
internal sealed class MetricsLines(string text)
{
    public IReadOnlyList<JsonObject> All { get; } = text.Split('\n', StringSplitOptions.RemoveEmptyEntries)
        .Select(line => (JsonObject)JsonNode.Parse(line)!).ToList();

    public IEnumerable<JsonObject> Events(string name) => All.Where(e => e["event"]!.GetValue<string>() == name);

    public JsonObject End => Events("end").Single();
}
