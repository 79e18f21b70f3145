using System.Text.Json.Nodes;
using LspFineTune.Core.Catalogs;

namespace LspFineTune.Core.Tests.Catalogs;

/// <summary>
/// A config.json in a user's cache or folder can hold anything. Every published config the catalog holds, with each
/// of its numbers replaced by 0, -1 or a huge value, must read as an architecture or as errors, never throw.
/// </summary>
public sealed class HostileConfigJsonTests
{
    public static TheoryData<string> Families()
    {
        var data = new TheoryData<string>();
        foreach (var family in ModelFamilies.Default.All.Where(f => f.Models.ValueKind == System.Text.Json.JsonValueKind.Array))
            data.Add(family.ModelTypes[0]);
        return data;
    }

    [Theory]
    [MemberData(nameof(Families))]
    public void Every_number_of_a_published_config_set_to_zero_negative_or_huge_reads_without_throwing(string familyName)
    {
        var family = ModelFamilies.Default.ForModelType(familyName)!;
        foreach (var entry in family.Models.EnumerateArray())
        {
            var config = JsonNode.Parse(entry.GetProperty("config").GetRawText())!.AsObject();
            foreach (var (path, _) in Numbers(config, ""))
            {
                foreach (var value in new[] { 0, -1, 2_000_000_000 })
                {
                    var mutated = JsonNode.Parse(config.ToJsonString())!.AsObject();
                    Set(mutated, path, value);
                    var result = HuggingFaceConfigReader.Read(mutated.ToJsonString());
                    Assert.True(result.Success || result.Errors.Count > 0, $"{family.Name} {path}={value}: neither an architecture nor an error");
                    if (result.Success)
                        _ = ModelStructureBuilder.Build(result.Architecture!).TotalParameters;
                }
            }
        }
    }

    private static IEnumerable<(string Path, JsonNode Node)> Numbers(JsonObject node, string prefix)
    {
        foreach (var (key, value) in node)
        {
            if (value is JsonObject child)
            {
                foreach (var inner in Numbers(child, prefix + key + "."))
                    yield return inner;
            }
            else if (value is JsonValue scalar && scalar.TryGetValue<double>(out _))
            {
                yield return (prefix + key, scalar);
            }
        }
    }

    private static void Set(JsonObject root, string path, int value)
    {
        var parts = path.Split('.');
        var target = root;
        foreach (var part in parts[..^1])
            target = target[part]!.AsObject();
        target[parts[^1]] = value;
    }
}
