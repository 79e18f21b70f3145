using System.Text.Json;
using System.Text.Json.Nodes;
using LspFineTune.Trainer.Files;

namespace LspFineTune.Trainer.Tokenization;

/// <summary>
/// Whether a model folder's tokenizer has a chat template of its own, as transformers finds one: <c>chat_template</c> in
/// tokenizer_config.json (a string, or a list of named templates), or a <c>chat_template.jinja</c> file beside it.
/// lft-train does not run Jinja, so the frameworks' "use the tokenizer's template" choices need to know only whether
/// there is one, to fail as the framework would, or to say which named template to set instead.
/// </summary>
public static class TokenizerChatTemplate
{
    public const string ConfigFile = "tokenizer_config.json";
    public const string JinjaFile = "chat_template.jinja";

    public static bool Exists(string modelFolder, CancellationToken cancellation = default)
    {
        if (File.Exists(Path.Combine(modelFolder, JinjaFile)))
            return true;
        var path = Path.Combine(modelFolder, ConfigFile);
        if (!File.Exists(path))
            return false;
        try
        {
            return JsonNode.Parse(TrainerFiles.ReadAllText(path, FileRole.Tokenizer, cancellation)) is JsonObject config
                && config["chat_template"] switch
                {
                    JsonValue value => value.TryGetValue<string>(out var text) && text.Length > 0,
                    JsonArray list => list.Count > 0,
                    _ => false,
                };
        }
        catch (JsonException ex)
        {
            throw new TrainerException($"{path}: not valid JSON ({ex.Message.Split(" Path:")[0]}).");
        }
    }
}
