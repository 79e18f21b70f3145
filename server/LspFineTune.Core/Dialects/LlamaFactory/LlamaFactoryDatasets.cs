using System.Text.Json;
using System.Text.Json.Nodes;
using LspFineTune.Core.Dialects.Axolotl;
using LspFineTune.Core.Files;
using LspFineTune.Core.Planning;
using LspFineTune.Core.Syntax;
using static LspFineTune.Core.Planning.SyntaxReader;

namespace LspFineTune.Core.Dialects.LlamaFactory;

/// <summary>
/// LLaMA-Factory's <c>dataset</c>/<c>eval_dataset</c> names resolved through <c>dataset_dir</c>/dataset_info.json as
/// hiyouga/LLaMA-Factory@ff6d4d1 <c>src/llamafactory/data/parser.py</c> does (<c>DatasetAttr</c> and its defaults:
/// alpaca columns instruction/input/output, sharegpt columns conversations with tags from/value/human/gpt), for the
/// bundled trainer. Entries that are not local files (hub, script, cloud) carry a refusal.
/// </summary>
public static class LlamaFactoryDatasets
{
    /// <summary>The dataset_info.json read at most (LLaMA-Factory's own lists a few hundred entries in about 40 KB).</summary>
    private const long MaxInfoBytes = 4L * 1024 * 1024;

    public static DataChoice Bind(MappingNode root, DataChoice data, string stage, string? documentPath, IAuxiliaryFiles files)
    {
        // hparams/data_args.py: dataset_dir defaults to "data"; template, train_on_prompt and val_size are DataArguments.
        var folder = LocalDatasets.AbsolutePath(String(root, "dataset_dir") ?? "data", documentPath);
        var template = String(root, "template");
        var trainOnPrompt = Bool(root, "train_on_prompt", false);
        var refusal = stage != "sft" ? $"`stage: {stage}`: lft-train trains supervised fine-tuning (`stage: sft`) only." : null;
        var info = new Lazy<(JsonObject? Info, string? Problem)>(() => ReadInfo(folder, files));
        List<DatasetSource> Sources(string key) => Names(root.Find(key)?.Value)
            .Select(name => Source(name, key, folder, info.Value, template, trainOnPrompt, refusal, files)).ToList();
        var train = Sources("dataset");
        var eval = Sources("eval_dataset");
        // data_args.py: val_size is a fraction in [0, 1) or a count; loader.py splits it off the training data.
        var heldOut = NullableDouble(root, "val_size") is > 0 and var size ? size : (double?)null;
        return data with { TrainSources = train, EvalSources = eval, HeldOut = eval.Count == 0 ? heldOut : null, HeldOutSetting = "val_size" };
    }

    /// <summary>A comma-separated string (data_args.py split_arg) or a YAML list.</summary>
    private static IReadOnlyList<string> Names(SyntaxNode? node) => node switch
    {
        ScalarNode { IsNull: false } scalar => DatasetLengths.CommaList(scalar.Value),
        SequenceNode => AxolotlDatasets.StringList(node) ?? [],
        _ => [],
    };

    private static (JsonObject? Info, string? Problem) ReadInfo(string folder, IAuxiliaryFiles files)
    {
        var path = Path.Combine(folder, "dataset_info.json");
        var text = files.ReadText(path, MaxInfoBytes);
        if (!text.Success)
            return (null, $"cannot read {path} ({text.Problem}); set `dataset_dir` to the folder that holds dataset_info.json");
        try
        {
            return JsonNode.Parse(text.Text!) is JsonObject info ? (info, null) : (null, $"{path} is not a JSON object of dataset entries");
        }
        catch (JsonException e)
        {
            return (null, $"{path} is not valid JSON ({e.Message.Split(" Path:")[0]})");
        }
    }

    private static DatasetSource Source(string name, string key, string folder, (JsonObject? Info, string? Problem) info, string? template, bool trainOnPrompt, string? stageRefusal, IAuxiliaryFiles files)
    {
        var source = new DatasetSource { Framework = DatasetFramework.LlamaFactory, Setting = $"{key}: {name}", Location = name, Template = template, TrainOnInputs = trainOnPrompt };
        if (stageRefusal is not null)
            return source with { Refusal = stageRefusal };
        if (info.Info is null)
            return source with { Refusal = $"`{key}: {name}`: {info.Problem}." };
        if (info.Info[name] is not JsonObject entry)
            return source with { Refusal = $"`{key}: {name}` is not an entry of {Path.Combine(folder, "dataset_info.json")} (parser.py: \"Undefined dataset\"); add it there with its `file_name`." };
        // parser.py 127-143: hub, script and cloud entries are loaded from elsewhere.
        if (new[] { "hf_hub_url", "ms_hub_url", "om_hub_url", "script_url", "cloud_file_name" }.FirstOrDefault(entry.ContainsKey) is { } remote)
            return source with { Refusal = $"`{key}: {name}` is loaded by `{remote}` ({Text(entry, remote)}); lft-train reads local files only. Download it and give the entry a `file_name`." };
        if (Text(entry, "file_name") is not { Length: > 0 } fileName)
            return source with { Refusal = $"`{key}: {name}` has no `file_name` in dataset_info.json." };
        var formatting = Text(entry, "formatting") ?? "alpaca";
        if (formatting is not ("alpaca" or "sharegpt"))
            return source with { TypeName = formatting, Refusal = $"`{key}: {name}` has `formatting: {formatting}`; lft-train renders alpaca and sharegpt records." };
        if (entry["ranking"] is JsonValue ranking && ranking.TryGetValue<bool>(out var ranked) && ranked)
            return source with { TypeName = formatting, Refusal = $"`{key}: {name}` is a ranking (preference) dataset; lft-train trains supervised fine-tuning only." };
        var location = LocalDatasets.Resolve(Path.Combine(folder, fileName), $"{key}: {name}", null, files);
        if (location.Refusal is not null)
            return source with { TypeName = formatting, Refusal = location.Refusal };
        var columns = entry["columns"] as JsonObject;
        var tags = entry["tags"] as JsonObject;
        // parser.py 25-64: DatasetAttr's defaults, overridden by `columns` and `tags` (join, 66-85).
        string? Column(string column, string? fallback) => columns is not null && columns.ContainsKey(column) ? Text(columns, column) : fallback;
        string? Tag(string tag, string fallback) => tags is not null && tags.ContainsKey(tag) ? Text(tags, tag) : fallback;
        var fields = formatting == "alpaca"
            ? new DatasetFields
            {
                Instruction = Column("prompt", "instruction") ?? "",
                Input = Column("query", "input"),
                Output = Column("response", "output") ?? "",
                System = Column("system", null),
                History = Column("history", null),
            }
            : new DatasetFields
            {
                Messages = Column("messages", "conversations") ?? "conversations",
                Role = Tag("role_tag", "from") ?? "from",
                Content = Tag("content_tag", "value") ?? "value",
                System = Column("system", null),
                Roles = new[] { ("user_tag", "human", "user"), ("assistant_tag", "gpt", "assistant"), ("observation_tag", "observation", "observation"), ("function_tag", "function_call", "function"), ("system_tag", "system", "system") }
                    .Select(t => (Name: Tag(t.Item1, t.Item2), Role: t.Item3)).Where(t => t.Name is not null)
                    .GroupBy(t => t.Name!).ToDictionary(g => g.Key, g => g.First().Role, StringComparer.Ordinal),
            };
        return source with
        {
            TypeName = formatting,
            Format = formatting == "alpaca" ? DatasetFormat.Alpaca : DatasetFormat.Chat,
            Files = location.Files,
            Fields = fields,
        };
    }

    private static string? Text(JsonObject json, string key) =>
        json[key] is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;
}
