using System.Text.Json;

namespace LspFineTune.Core.Catalogs;

/// <summary>
/// One family file (<c>Catalogs/Data/Families/*.json</c>): the config.json model types it reads, the layout that
/// builds them, the family's modeling facts no config.json carries, the config-class defaults for keys a
/// config.json may omit, and its catalog models. Everything LspFineTune knows about a family lives in its file.
/// </summary>
public sealed record ModelFamily(
    string Name,
    IReadOnlyList<string> ModelTypes,
    IReadOnlyList<string> ArchitectureClasses,
    string Layout,
    DecoderOptions Options,
    JsonElement ConfigDefaults,
    string Source,
    JsonElement Models)
{
    /// <summary>The transformers config-class default of <paramref name="key"/>, if the family file records one.</summary>
    public bool TryDefault(string key, out JsonElement value)
    {
        if (ConfigDefaults.ValueKind == JsonValueKind.Object && ConfigDefaults.TryGetProperty(key, out value) && value.ValueKind != JsonValueKind.Null)
            return true;
        value = default;
        return false;
    }

    /// <summary>Parses one family file; throws <see cref="InvalidDataException"/> naming the file and the bad key.</summary>
    public static ModelFamily Parse(string fileName, string json)
    {
        using var document = JsonDocument.Parse(json, new JsonDocumentOptions { CommentHandling = JsonCommentHandling.Skip, AllowTrailingCommas = true });
        var root = document.RootElement.Clone();
        string Required(string key) =>
            root.TryGetProperty(key, out var value) && value.ValueKind == JsonValueKind.String && value.GetString() is { Length: > 0 } text
                ? text
                : throw new InvalidDataException($"{fileName}: missing string '{key}'");
        IReadOnlyList<string> List(string key) =>
            root.TryGetProperty(key, out var value) && value.ValueKind == JsonValueKind.Array
                ? [.. value.EnumerateArray().Select(item => item.GetString() ?? throw new InvalidDataException($"{fileName}: '{key}' must list strings"))]
                : [];
        var name = Required("family");
        var types = List("model_types").Select(ModelStructureBuilder.NormalizeFamily).ToList();
        if (types.Count == 0)
            throw new InvalidDataException($"{fileName}: model_types must name at least one config.json model_type");
        var layout = Required("layout");
        var options = DecoderOptions.Parse(root.TryGetProperty("layout_options", out var o) ? o : null, fileName);
        var defaults = root.TryGetProperty("config_defaults", out var d) ? d : default;
        var models = root.TryGetProperty("models", out var m) && m.ValueKind == JsonValueKind.Array ? m : default;
        return new ModelFamily(name, types, List("architecture_classes"), layout, options, defaults, Required("source"), models);
    }
}
