using LspFineTune.Core.Files;
using LspFineTune.Core.Planning;
using LspFineTune.Core.Syntax;
using static LspFineTune.Core.Planning.SyntaxReader;

namespace LspFineTune.Core.Dialects.Axolotl;

/// <summary>
/// axolotl's <c>datasets</c>, <c>test_datasets</c> and <c>val_set_size</c> as the bundled trainer reads them
/// (axolotl-ai-cloud/axolotl@067b021): the fields of <c>utils/schemas/datasets.py</c> <c>SFTDataset</c>, the types of
/// <c>utils/data/wrappers.py</c> (<c>alpaca</c> and its <c>alpaca:STYLE</c> prompt styles, <c>completion</c>,
/// <c>chat_template</c>) with the defaults of <c>prompt_strategies/chat_template.py</c> 1177-1232.
/// </summary>
public static class AxolotlDatasets
{
    /// <summary>chat_template.py 70-77: the role names a chat record may use when <c>roles</c> is not set.</summary>
    private static readonly Dictionary<string, string> DefaultRoles = new(StringComparer.Ordinal)
    {
        ["human"] = "user", ["user"] = "user", ["assistant"] = "assistant", ["gpt"] = "assistant", ["system"] = "system", ["tool"] = "tool",
    };

    public static DataChoice Bind(MappingNode root, DataChoice data, string? documentPath, IAuxiliaryFiles files)
    {
        // utils/config/__init__.py 425-436: the top-level chat_template fills each chat dataset that names none.
        var chatTemplate = String(root, "chat_template");
        var trainOnInputs = Bool(root, "train_on_inputs", false);
        var train = Sources(root.Find("datasets")?.Value, "datasets", chatTemplate, trainOnInputs, documentPath, files);
        var eval = Sources(root.Find("test_datasets")?.Value, "test_datasets", chatTemplate, trainOnInputs, documentPath, files);
        var heldOut = NullableDouble(root, "val_set_size") is > 0 and var size ? size : (double?)null;
        return data with { TrainSources = train, EvalSources = eval, HeldOut = eval.Count == 0 ? heldOut : null, HeldOutSetting = "val_set_size" };
    }

    private static List<DatasetSource> Sources(SyntaxNode? list, string key, string? chatTemplate, bool trainOnInputs, string? documentPath, IAuxiliaryFiles files)
    {
        var sources = new List<DatasetSource>();
        if (list is not SequenceNode sequence)
            return sources;
        for (var index = 0; index < sequence.Items.Count; index++)
        {
            if (sequence.Items[index] is MappingNode entry)
                sources.Add(Source(entry, $"{key}[{index}]", chatTemplate, trainOnInputs, documentPath, files));
        }
        return sources;
    }

    private static DatasetSource Source(MappingNode entry, string setting, string? chatTemplate, bool trainOnInputs, string? documentPath, IAuxiliaryFiles files)
    {
        var location = String(entry, "path") ?? "";
        var typeName = String(entry, "type") ?? "";
        var source = new DatasetSource { Framework = DatasetFramework.Axolotl, Setting = $"{setting}.path", Location = location, TypeName = typeName, TrainOnInputs = trainOnInputs };
        if (location.Length == 0)
            return source with { Refusal = $"`{setting}` has no `path`; give the local JSON or JSON lines file (or folder) to train on." };
        if (entry.Find("type")?.Value is MappingNode)
            return source with { Refusal = $"`{setting}.type` is a user-defined prompt format; lft-train renders `alpaca`, `completion` and `chat_template`. Train it with axolotl (`lft train --engine framework`)." };
        var (format, template, refusal) = Type(typeName, setting);
        if (refusal is not null)
            return source with { Refusal = refusal };
        var resolution = LocalDatasets.Resolve(location, $"{setting}.path", documentPath, files, StringList(entry.Find("data_files")?.Value), String(entry, "split"));
        if (resolution.Refusal is not null)
            return source with { Refusal = resolution.Refusal };
        if (String(entry, "ds_type") is { } dsType && dsType != "json")
            return source with { Refusal = $"`{setting}.ds_type` is `{dsType}`; lft-train reads `ds_type: json` (JSON and JSON lines records)." };
        return source with
        {
            Files = resolution.Files,
            Format = format,
            Template = format == DatasetFormat.Chat ? String(entry, "chat_template") ?? chatTemplate ?? "tokenizer_default" : template,
            Fields = format switch
            {
                // completion.py 92-93: `field` names the text column.
                DatasetFormat.Text => new DatasetFields { Text = String(entry, "field") ?? "text" },
                DatasetFormat.Chat => ChatFields(entry),
                _ => new DatasetFields(),
            },
        };
    }

    /// <summary>wrappers.py 112-131 and sft.py 427-433: <c>type</c> is a strategy module or a base type with <c>:style</c>.</summary>
    private static (DatasetFormat Format, string? Template, string? Refusal) Type(string typeName, string setting)
    {
        var parts = typeName.Split(':', 2);
        switch (parts[0])
        {
            case "alpaca":
                // prompters.py 15-23: the prompt styles AlpacaPrompter renders; instruct is the default.
                var style = parts.Length > 1 ? parts[1] : "instruct";
                return style is "instruct" or "chat" or "chatml" or "phi"
                    ? (DatasetFormat.Alpaca, style, null)
                    : (DatasetFormat.Alpaca, null, $"`{setting}.type: {typeName}`: alpaca's prompt styles are instruct, chat, chatml and phi (prompters.py PromptStyle).");
            case "completion":
                return (DatasetFormat.Text, null, null);
            case "chat_template":
                return (DatasetFormat.Chat, null, null);
            case "":
                return (DatasetFormat.Text, null, $"`{setting}` has no `type`; axolotl needs one (alpaca, completion, chat_template, ...).");
            default:
                return (DatasetFormat.Text, null, $"`{setting}.type: {typeName}` is a format lft-train does not render (it renders alpaca, completion and chat_template). Convert the records to one of those, or train with axolotl (`lft train --engine framework`).");
        }
    }

    /// <summary>chat_template.py 60-77 and 1216-1232, with the legacy <c>message_field_role</c>/<c>message_field_content</c>.</summary>
    private static DatasetFields ChatFields(MappingNode entry)
    {
        var mappings = entry.Find("message_property_mappings")?.Value as MappingNode;
        var roles = entry.Find("roles")?.Value is MappingNode roleMap
            ? roleMap.Properties.SelectMany(p => (StringList(p.Value) ?? []).Select(name => (name, p.Key.Value)))
                .GroupBy(r => r.name).ToDictionary(g => g.Key, g => g.Last().Value, StringComparer.Ordinal)
            : DefaultRoles;
        return new DatasetFields
        {
            Messages = String(entry, "field_messages") ?? "messages",
            Role = String(mappings, "role") ?? String(entry, "message_field_role") ?? "role",
            Content = String(mappings, "content") ?? String(entry, "message_field_content") ?? "content",
            Roles = roles,
            // chat_template.py 299-303: roles_to_train names go through the same role map.
            RolesToTrain = (StringList(entry.Find("roles_to_train")?.Value) ?? ["assistant"]).Select(r => roles.GetValueOrDefault(r, r)).ToList(),
            TrainOnEos = String(entry, "train_on_eos") ?? "turn",
        };
    }

    /// <summary>A string or a list of strings; null when neither.</summary>
    internal static IReadOnlyList<string>? StringList(SyntaxNode? node) => node switch
    {
        ScalarNode { IsNull: false } scalar => [scalar.Value],
        SequenceNode sequence => sequence.Items.OfType<ScalarNode>().Where(s => !s.IsNull).Select(s => s.Value).ToList(),
        _ => null,
    };
}
