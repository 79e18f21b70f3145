using LspFineTune.Core.Planning;
using LspFineTune.Trainer.Data.Formats;
using LspFineTune.Trainer.Tokenization;

namespace LspFineTune.Trainer.Data;

/// <summary>
/// The training and evaluation examples of a plan: lft's own <c>data.train</c>/<c>data.eval</c> files, or the datasets a
/// framework config names (<see cref="DataChoice.TrainSources"/>), each read by its framework's format. A dataset the
/// trainer cannot read stops the run with its one-line reason; <see cref="DataChoice.HeldOut"/> takes the eval examples
/// from the end of the training ones when no eval dataset is named.
/// </summary>
public static class TrainingData
{
    /// <param name="Eval">Null when the config evaluates on nothing.</param>
    public sealed record Loaded(IReadOnlyList<TokenizedExample> Train, IReadOnlyList<TokenizedExample>? Eval);

    /// <param name="report">Called with each file set read, to log and record its bad lines.</param>
    public static Loaded Load(DataChoice data, string configPath, string modelFolder, ExampleEncoder encoder, BadLinePolicy policy, Action<string, JsonlDataset.Result> report, CancellationToken cancellation)
    {
        if (data.TrainSources.Count == 0)
        {
            var train = data.TrainPath ?? throw new TrainerException($"{configPath}: no training data: set data.train (a JSON lines file), or name the datasets as the config's framework does (axolotl `datasets`, LLaMA-Factory `dataset`, TRL `dataset_name`).", 1);
            return new(Read([train], NativeRecords.Instance, "data.train"), data.EvalPath is { } eval ? Read([eval], NativeRecords.Instance, "data.eval") : null);
        }
        var examples = data.TrainSources.SelectMany(ReadSource).ToList();
        var evalExamples = data.EvalSources.Count > 0 ? data.EvalSources.SelectMany(ReadSource).ToList() : null;
        if (evalExamples is null && data.HeldOut is { } heldOut)
            (examples, evalExamples) = HoldOut(examples, heldOut, $"{configPath}: {data.HeldOutSetting}");
        return new(examples, evalExamples);

        IReadOnlyList<TokenizedExample> ReadSource(DatasetSource source)
        {
            if (source.Refusal is { } refusal)
                throw new TrainerException($"{configPath}: {refusal}", 1);
            return Read(source.Files, FormatOf(source, configPath, modelFolder, cancellation), source.Setting);
        }

        IReadOnlyList<TokenizedExample> Read(IReadOnlyList<string> files, IRecordFormat format, string setting)
        {
            var result = JsonlDataset.Read(files, format, encoder, policy, cancellation, setting);
            report(string.Join(", ", files), result);
            return result.Examples;
        }
    }

    /// <summary>One file of lft's own records (<c>{"text"}</c> or prompt and completion), named by <paramref name="setting"/>:
    /// what a native key other than the data's names, such as SensZOQ's calibration data.</summary>
    public static IReadOnlyList<TokenizedExample> ReadNative(string path, string setting, ExampleEncoder encoder, BadLinePolicy policy, Action<string, JsonlDataset.Result> report, CancellationToken cancellation)
    {
        var result = JsonlDataset.Read([path], NativeRecords.Instance, encoder, policy, cancellation, setting);
        report(path, result);
        return result.Examples;
    }

    /// <summary>
    /// The held-out examples: a fraction (rounded up) or a count, from the end, as datasets' train_test_split with
    /// shuffle=False (axolotl utils/data/shared.py 453-459) takes them. axolotl shuffles the merged data first with its
    /// own generator, which is not reproduced: the split here is by file order.
    /// </summary>
    public static (List<TokenizedExample> Train, List<TokenizedExample> Eval) HoldOut(List<TokenizedExample> examples, double heldOut, string setting)
    {
        var count = heldOut < 1 ? (int)Math.Ceiling(heldOut * examples.Count) : (int)Math.Min(heldOut, int.MaxValue);
        if (count >= examples.Count)
            throw new TrainerException($"{setting} holds out {count} of {examples.Count} examples, which leaves none to train on; lower it.", 1);
        var train = examples.Count - count;
        return (examples.GetRange(0, train), examples.GetRange(train, count));
    }

    /// <summary>The record format of a source: its framework's renderer with the template the config (or tokenizer) names.</summary>
    public static IRecordFormat FormatOf(DatasetSource source, string configPath, string modelFolder, CancellationToken cancellation = default) => (source.Framework, source.Format) switch
    {
        (DatasetFramework.Axolotl, DatasetFormat.Alpaca) => new AxolotlAlpaca(source.Template ?? "instruct", source.TrainOnInputs),
        (DatasetFramework.Axolotl, DatasetFormat.Chat) => new AxolotlChat(AxolotlTemplate(source, configPath, modelFolder, cancellation), source.Fields, source.TrainOnInputs),
        (DatasetFramework.Axolotl, _) => new AxolotlCompletion(source.Fields.Text),
        (DatasetFramework.LlamaFactory, var format) => new LlamaFactoryRecords(format, source.Fields, LlamaFactoryTemplateOf(source, configPath, modelFolder, cancellation), source.TrainOnInputs),
        _ => new TrlRecords(source.Fields, source.TrainOnInputs),
    };

    /// <summary>axolotl@067b021 utils/chat_templates/base.py get_chat_template: tokenizer_default needs the tokenizer's
    /// template (and fails without one); tokenizer_default_fallback_NAME falls back to NAME when there is none.</summary>
    private static string AxolotlTemplate(DatasetSource source, string configPath, string modelFolder, CancellationToken cancellation)
    {
        const string Fallback = "tokenizer_default_fallback_";
        var names = string.Join(", ", AxolotlChatTemplates.Names);
        var choice = source.Template ?? "tokenizer_default";
        var tokenizerHasOne = new Lazy<bool>(() => TokenizerChatTemplate.Exists(modelFolder, cancellation));
        if (choice.StartsWith(Fallback, StringComparison.Ordinal))
            choice = tokenizerHasOne.Value ? "tokenizer_default" : choice[Fallback.Length..];
        if (choice == "tokenizer_default" && !tokenizerHasOne.Value)
            throw new TrainerException($"{configPath}: `{source.Setting}` is a chat_template dataset with `chat_template: tokenizer_default` (axolotl's default), but the tokenizer in {modelFolder} has no chat template (tokenizer_config.json), so axolotl stops here too. Set `chat_template:` to the template the model was trained with (lft-train renders {names}), or `tokenizer_default_fallback_chatml`.", 1);
        if (choice is "tokenizer_default" or "jinja")
            throw new TrainerException($"{configPath}: `{source.Setting}` uses {(choice == "jinja" ? "a Jinja chat template (chat_template_jinja)" : $"the tokenizer's own Jinja chat template ({modelFolder})")}, which lft-train does not run. Set `chat_template:` to the named template it follows (lft-train renders {names}).", 1);
        return AxolotlChatTemplates.Names.Contains(choice)
            ? choice
            : throw new TrainerException($"{configPath}: `{source.Setting}` uses `chat_template: {choice}`, which lft-train does not render (it renders {names}). Train it with axolotl (`lft train --engine framework`).", 1);
    }

    /// <summary>LLaMA-Factory@ff6d4d1 template.py get_template_and_fix_tokenizer: no `template` means the tokenizer's own
    /// (parsed from its Jinja, which lft-train does not run) or, without one, `empty`.</summary>
    private static LlamaFactoryTemplate LlamaFactoryTemplateOf(DatasetSource source, string configPath, string modelFolder, CancellationToken cancellation)
    {
        var names = string.Join(", ", LlamaFactoryTemplate.Names);
        if (source.Template is null)
        {
            return TokenizerChatTemplate.Exists(modelFolder, cancellation)
                ? throw new TrainerException($"{configPath}: no `template`, so LLaMA-Factory would parse the tokenizer's Jinja chat template ({modelFolder}), which lft-train does not run. Set `template:` (lft-train renders {names}).", 1)
                : LlamaFactoryTemplate.Find("empty")!;
        }
        return LlamaFactoryTemplate.Find(source.Template)
            ?? throw new TrainerException($"{configPath}: `template: {source.Template}` is not one lft-train renders ({names}). Train it with LLaMA-Factory (`lft train --engine framework`).", 1);
    }
}
