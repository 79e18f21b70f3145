using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace LspFineTune.Trainer.Training;

/// <summary>
/// A checkpoint's <c>manifest.json</c>: who wrote it, its step, and the byte count and SHA-256 of the state file it
/// vouches for. Every field is checked when read, so a damaged manifest makes its checkpoint "damaged" (reported and
/// skipped, the previous one tried), never an error of the run.
/// </summary>
public sealed record CheckpointManifest(long Step, long StateBytes, string StateSha256)
{
    public const string Writer = "lft-train";
    private const int FormatVersion = 1;

    public string ToJson() => new JsonObject
    {
        ["format_version"] = FormatVersion,
        ["writer"] = Writer,
        ["step"] = Step,
        ["state_bytes"] = StateBytes,
        ["state_sha256"] = StateSha256,
        ["written_utc"] = DateTime.UtcNow.ToString("O", CultureInfo.InvariantCulture),
    }.ToJsonString(new JsonSerializerOptions { WriteIndented = true });

    /// <summary>The manifest of the checkpoint folder for <paramref name="folderStep"/>, or what is wrong with it.</summary>
    public static CheckpointManifest? Parse(string text, long folderStep, out string? problem)
    {
        JsonObject json;
        try
        {
            json = JsonNode.Parse(text) as JsonObject ?? throw new JsonException("not a JSON object");
        }
        catch (JsonException ex)
        {
            problem = $"manifest.json is not valid JSON ({ex.Message.Split(" Path:")[0].Split(" LineNumber:")[0].TrimEnd('.', ' ')})";
            return null;
        }
        problem = Check(json, folderStep, out var manifest);
        return manifest;
    }

    private static string? Check(JsonObject json, long folderStep, out CheckpointManifest? manifest)
    {
        manifest = null;
        if (Integer(json, "format_version", out var version) is { } badVersion)
            return badVersion;
        if (version != FormatVersion)
            return $"manifest.json has format_version {version}; this lft-train reads version {FormatVersion}";
        if (json["writer"] is { } writer && !(writer is JsonValue value && value.TryGetValue<string>(out var name) && name == Writer))
            return $"manifest.json field `writer` is {Shown(writer)}, not \"{Writer}\"";
        if (Integer(json, "step", out var step) is { } badStep)
            return badStep;
        if (step != folderStep)
            return $"manifest.json says step {step} but the folder is step {folderStep}";
        if (Integer(json, "state_bytes", out var bytes) is { } badBytes)
            return badBytes;
        if (bytes < 0)
            return $"manifest.json field `state_bytes` is {bytes}, not a byte count";
        if (Sha256(json, out var hash) is { } badHash)
            return badHash;
        if (WrittenUtc(json) is { } badTime)
            return badTime;
        manifest = new CheckpointManifest(step, bytes, hash);
        return null;
    }

    /// <summary>Whether a manifest's text is lft-train's (its writer, or the fields of one written before the writer field),
    /// whatever its values: what decides that a checkpoint folder is the trainer's to delete.</summary>
    public static bool IsTrainers(string text)
    {
        try
        {
            return JsonNode.Parse(text) is JsonObject json
                && (json["writer"] is JsonValue writer
                    ? writer.TryGetValue<string>(out var name) && name == Writer
                    : json.ContainsKey("format_version") && json.ContainsKey("state_sha256") && json.ContainsKey("state_bytes"));
        }
        catch (JsonException)
        {
            return false;
        }
    }

    private static string? Integer(JsonObject json, string key, out long value)
    {
        value = 0;
        if (json[key] is JsonValue node && node.GetValueKind() == JsonValueKind.Number && node.TryGetValue(out value))
            return null;
        return json.ContainsKey(key) ? $"manifest.json field `{key}` is {Shown(json[key])}, not an integer" : $"manifest.json has no `{key}`";
    }

    private static string? Sha256(JsonObject json, out string hash)
    {
        hash = "";
        if (json["state_sha256"] is JsonValue node && node.TryGetValue<string>(out var text) && text.Length == 64 && text.All(Uri.IsHexDigit))
        {
            hash = text.ToLowerInvariant();
            return null;
        }
        return json.ContainsKey("state_sha256") ? $"manifest.json field `state_sha256` is {Shown(json["state_sha256"])}, not 64 hex digits" : "manifest.json has no `state_sha256`";
    }

    private static string? WrittenUtc(JsonObject json) =>
        json["written_utc"] is null
        || (json["written_utc"] is JsonValue node && node.TryGetValue<string>(out var text) && DateTime.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.RoundtripKind, out _))
            ? null
            : $"manifest.json field `written_utc` is {Shown(json["written_utc"])}, not a UTC time";

    /// <summary>A field's value as the message shows it, cut short: a damaged field can hold anything.</summary>
    private static string Shown(JsonNode? node)
    {
        var text = node?.ToJsonString() ?? "null";
        return text.Length <= 40 ? text : text[..40] + "…";
    }
}
