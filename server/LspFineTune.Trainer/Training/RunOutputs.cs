using LspFineTune.Core.Files;
using LspFineTune.Core.Planning;
using LspFineTune.Trainer.Files;
using LspFineTune.Trainer.Models;
using LspFineTune.Trainer.Tokenization;

namespace LspFineTune.Trainer.Training;

/// <summary>
/// The end products of a run: a LoRA run's adapter in PEFT layout (OUTPUT/adapter), and the whole model as a Hugging
/// Face folder (OUTPUT/model) for full and zeroth-order runs, or for LoRA with the adapter merged when asked.
/// </summary>
internal static class RunOutputs
{
    /// <param name="baseModel">The base model folder on this machine (its tokenizer files are copied).</param>
    /// <param name="baseModelName">The model as the config names it, for the adapter's base_model_name_or_path.</param>
    public static (string? Adapter, string? Model) Save(CausalLanguageModel model, string outputDirectory, string baseModel, string baseModelName, FineTuneMethod method, bool mergeLora, TextWriter log)
    {
        string? adapter = null;
        string? merged = null;
        if (method == FineTuneMethod.Lora)
        {
            adapter = Path.Combine(outputDirectory, "adapter");
            PeftAdapter.Save(model, adapter, baseModelName);
            log.WriteLine($"lft-train: LoRA adapter written to {adapter}");
        }
        if (method != FineTuneMethod.Lora || mergeLora)
        {
            if (method == FineTuneMethod.Lora)
                model.MergeLora();
            merged = Path.Combine(outputDirectory, "model");
            ModelFolder.Save(model, merged, model.parameters().First().dtype);
            foreach (var file in new[] { TokenizerLoader.TokenizerJson, TokenizerLoader.SentencePieceModel, TokenizerLoader.VocabJson, TokenizerLoader.MergesText, "tokenizer_config.json", "special_tokens_map.json" })
            {
                var source = Path.Combine(baseModel, file);
                switch (FileStatus.Of(source).Kind)
                {
                    case FileKind.Regular:
                        TrainerFiles.Copy(source, Path.Combine(merged, file), FileRole.CopiedModelFile);
                        break;
                    case FileKind.Missing:
                        break;
                    default:
                        // The trained model is saved by now; a FIFO or a folder in the base folder must not cost it.
                        log.WriteLine($"lft-train: {source} is not a regular file; not copied into {merged}.");
                        break;
                }
            }
            log.WriteLine($"lft-train: model written to {merged}");
        }
        return (adapter, merged);
    }
}
