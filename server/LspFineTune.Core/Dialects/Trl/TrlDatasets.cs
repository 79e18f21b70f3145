using LspFineTune.Core.Dialects.Axolotl;
using LspFineTune.Core.Files;
using LspFineTune.Core.Planning;
using LspFineTune.Core.Syntax;
using static LspFineTune.Core.Planning.SyntaxReader;

namespace LspFineTune.Core.Dialects.Trl;

/// <summary>
/// The data of a <c>trl sft</c> config as huggingface/trl@f2cd577 <c>trl/scripts/sft.py</c> 81-102 loads it:
/// <c>load_dataset(dataset_name)</c> (a local folder here, its files split by name as Hugging Face datasets does), or the
/// <c>datasets</c> mixture of <c>scripts/utils.py</c> 412-456; the train split is <c>dataset_train_split</c> ("train"),
/// the eval split <c>dataset_test_split</c> ("test"), used only when <c>eval_strategy</c> is not "no". The records'
/// kind (text in <c>dataset_text_field</c>, prompt-completion, or messages) is the SFTTrainer's choice per dataset, made
/// by the trainer from the records.
/// </summary>
public static class TrlDatasets
{
    public static DataChoice Bind(MappingNode root, DataChoice data, TrlTrainer trainer, string? documentPath, IAuxiliaryFiles files)
    {
        var refusal = trainer != TrlTrainer.Sft ? "lft-train trains `trl sft` configs (supervised fine-tuning) only." : null;
        var fields = new DatasetFields { Text = String(root, "dataset_text_field") ?? "text" };
        // sft_config.py: completion_only_loss None means the loss is on the completion of prompt-completion records.
        var trainOnInputs = Scalar(root, "completion_only_loss")?.AsBoolean() == false;
        var trainSplit = String(root, "dataset_train_split") ?? "train";
        var testSplit = String(root, "dataset_test_split") ?? "test";
        var evaluates = (String(root, "eval_strategy") ?? String(root, "evaluation_strategy") ?? "no") != "no";
        DatasetSource Make(string setting, string location, LocalDatasets.Resolution resolution) => new()
        {
            Framework = DatasetFramework.Trl,
            Setting = setting,
            Location = location,
            Files = resolution.Refusal is null && refusal is null ? resolution.Files : [],
            Refusal = refusal ?? resolution.Refusal,
            Fields = fields,
            TrainOnInputs = trainOnInputs,
        };

        var train = new List<DatasetSource>();
        var eval = new List<DatasetSource>();
        if (root.Find("datasets")?.Value is SequenceNode mixture && mixture.Items.Count > 0)
        {
            // sft.py 82-89: `datasets` wins over dataset_name. Each entry is load_dataset(path, data_files=..., split=...).
            for (var index = 0; index < mixture.Items.Count; index++)
            {
                if (mixture.Items[index] is not MappingNode entry)
                    continue;
                var setting = $"datasets[{index}].path";
                var path = String(entry, "path") ?? "";
                var dataFiles = AxolotlDatasets.StringList(entry.Find("data_files")?.Value);
                var resolution = path is "json" && dataFiles is { Count: > 0 }
                    ? Concatenate(dataFiles.Select(f => LocalDatasets.Resolve(f, $"datasets[{index}].data_files", documentPath, files)))
                    : LocalDatasets.Resolve(path, setting, documentPath, files, dataFiles, String(entry, "split") ?? "train");
                train.Add(Make(setting, path, resolution));
            }
        }
        else if (String(root, "dataset_name") is { Length: > 0 } name)
        {
            train.Add(Make("dataset_name", name, Folder(name, documentPath, trainSplit, files)));
            if (evaluates)
                eval.Add(Make("dataset_name", name, Folder(name, documentPath, testSplit, files)));
        }
        return data with { TrainSources = train, EvalSources = eval };
    }

    /// <summary><c>load_dataset(folder)</c>: a folder of data files; a single file is not a dataset name to it.</summary>
    private static LocalDatasets.Resolution Folder(string name, string? documentPath, string split, IAuxiliaryFiles files) =>
        files.Stat(LocalDatasets.AbsolutePath(name, documentPath)).Kind == FileKind.Regular
            ? new([], $"`dataset_name: {name}` is a file; TRL loads `dataset_name` with datasets.load_dataset, which takes a folder. Put the records in a folder as train.jsonl (and test.jsonl) and name the folder.")
            : LocalDatasets.Resolve(name, "dataset_name", documentPath, files, split: split);

    private static LocalDatasets.Resolution Concatenate(IEnumerable<LocalDatasets.Resolution> parts)
    {
        var all = parts.ToList();
        return all.FirstOrDefault(p => p.Refusal is not null) ?? new(all.SelectMany(p => p.Files).ToList(), null);
    }
}
