using System.Text.Json.Nodes;

namespace LspFineTune.Server.Tests.Packaging;

/// <summary>The files of client-rider/, read as LSP4IJ reads them.</summary>
public static class Lsp4ijTemplate
{
    public static string Folder => Path.Combine(Repo.Root, "client-rider");

    public static JsonObject Read(string file)
    {
        var path = Path.Combine(Folder, file);
        Assert.True(File.Exists(path), $"client-rider/{file} is missing");
        var node = JsonNode.Parse(File.ReadAllText(path), documentOptions: new System.Text.Json.JsonDocumentOptions { CommentHandling = System.Text.Json.JsonCommentHandling.Disallow });
        return Assert.IsType<JsonObject>(node, exactMatch: false);
    }

    /// <summary>
    /// Splits a command line into program and arguments the way LSP4IJ's CommandUtils.createCommands does: on spaces,
    /// where a double quote toggles "inside a string" and is itself dropped; empty parts are skipped.
    /// </summary>
    public static List<string> SplitCommandLine(string commandLine)
    {
        var parts = new List<string>();
        var part = new System.Text.StringBuilder();
        var inString = false;
        void Flush()
        {
            var arg = part.ToString().Trim();
            if (arg.Length > 0)
                parts.Add(arg);
            part.Clear();
        }
        foreach (var c in commandLine)
        {
            if (c == '"')
                inString = !inString;
            else if (c == ' ' && !inString)
                Flush();
            else
                part.Append(c);
        }
        Flush();
        return parts;
    }

    /// <summary>
    /// What LSP4IJ answers a workspace/configuration item with: the settings (settings.json, dotted keys expanded when
    /// the template sets expandConfiguration) walked along the dotted section; null where a part is missing.
    /// </summary>
    public static JsonNode? FindSettings(JsonObject settings, string? section)
    {
        JsonNode? node = settings;
        foreach (var part in (section ?? "").Split('.', StringSplitOptions.RemoveEmptyEntries))
            node = node is JsonObject o && o.TryGetPropertyValue(part, out var child) ? child : null;
        return node?.DeepClone();
    }

    /// <summary>LSP4IJ's "expand configuration": a dotted key like "lft.units" becomes {"lft": {"units": ...}}.</summary>
    public static JsonObject Expand(JsonObject settings)
    {
        var result = new JsonObject();
        foreach (var (key, value) in settings)
        {
            var parts = key.Split('.');
            var target = result;
            foreach (var part in parts[..^1])
            {
                if (target[part] is not JsonObject next)
                    target[part] = next = new JsonObject();
                target = next;
            }
            var leaf = parts[^1];
            if (value is JsonObject nested && target[leaf] is JsonObject existing)
            {
                foreach (var (k, v) in Expand(nested))
                    existing[k] = v?.DeepClone();
            }
            else
            {
                target[leaf] = value is JsonObject o ? Expand(o) : value?.DeepClone();
            }
        }
        return result;
    }
}
