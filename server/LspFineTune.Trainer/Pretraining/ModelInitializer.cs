using System.Diagnostics;
using LspFineTune.Core.Planning;
using LspFineTune.Trainer.Data;
using LspFineTune.Trainer.Models;
using LspFineTune.Trainer.Native;
using LspFineTune.Trainer.Tokenization;
using LspFineTune.Trainer.Training;
using static TorchSharp.torch;

namespace LspFineTune.Trainer.Pretraining;

/// <summary>
/// <c>lft-train init-model DIR</c>: builds a small LLaMA (the shape in DIR/config.json when there is one, else the
/// examples' tiny shape), pretrains it briefly on <see cref="PretrainingCorpus"/> with a byte-level tokenizer, and
/// writes config.json (when absent), model.safetensors and tokenizer.json, so the examples have a real base model.
/// </summary>
public static class ModelInitializer
{
    public sealed record Options(string Directory, int Steps = 400, int Seed = 1234, ScalarType Dtype = ScalarType.BFloat16, int SequenceLength = 128, int MicroBatchSize = 16, double LearningRate = 3e-3);

    public static LlamaConfig DefaultConfig { get; } = new()
    {
        HiddenSize = 128,
        IntermediateSize = 344,
        NumHiddenLayers = 4,
        NumAttentionHeads = 4,
        NumKeyValueHeads = 2,
        HeadDimOverride = 32,
        VocabSize = 512,
        MaxPositionEmbeddings = 512,
        TieWordEmbeddings = true,
    };

    public static double Run(Options options, TextWriter log)
    {
        LibTorchLoader.EnsureLoaded();
        Directory.CreateDirectory(options.Directory);
        var configPath = Path.Combine(options.Directory, ModelFolder.ConfigFile);
        CausalLmConfig config = File.Exists(configPath) ? CausalLmConfig.Read(configPath) : DefaultConfig;
        var tokenizer = new ByteLevelTokenizer();
        if (tokenizer.RequiredVocabSize > config.VocabSize)
            throw new TrainerException($"{configPath}: vocab_size {config.VocabSize} is too small for the byte-level tokenizer ({tokenizer.RequiredVocabSize}).");

        manual_seed(options.Seed);
        using var model = CausalLanguageModel.Create(config, null);
        model.Attention = AttentionImplementation.Sdpa;
        model.train();
        var examples = PretrainingCorpus.Sentences(options.Seed, 4000)
            .Select(text => new TokenizedExample([config.BosTokenId, .. tokenizer.Encode(text), config.EosTokenId], [false, .. tokenizer.Encode(text).Select(_ => true), true]))
            .ToList();
        var batches = new Batcher(examples, options.MicroBatchSize, options.SequenceLength, packing: true, options.Seed, config.PadTokenId);
        var parameters = model.named_parameters().Select(p => (p.name, p.parameter)).ToList();
        using var optimizer = new AdamWOptimizer(parameters, weightDecay: 0.01);
        var schedule = new LearningRateSchedule(options.LearningRate, LrScheduler.Cosine, Math.Min(20, options.Steps / 10), options.Steps);
        var watch = Stopwatch.StartNew();
        double loss = double.NaN;
        for (var step = 0; step < options.Steps; step++)
        {
            using var scope = NewDisposeScope();
            var (inputs, labels, _) = batches.MicroBatch(step);
            var value = LanguageModelLoss.Mean(model, inputs, labels);
            value.backward();
            optimizer.Step(schedule.At(step));
            model.zero_grad();
            loss = value.item<float>();
            if ((step + 1) % 50 == 0 || step == 0)
                log.WriteLine($"lft-train init-model: step {step + 1}/{options.Steps}, loss {loss:F3}, {watch.Elapsed.TotalSeconds:F0} s");
        }
        if (!File.Exists(configPath))
            File.WriteAllText(configPath, config.ToJson());
        using (var scope = NewDisposeScope())
        {
            var tensors = model.BaseParameters().Select(p => (p.Name, p.Parameter.detach().to(options.Dtype))).ToList();
            Weights.SafeTensorsFile.Write(Path.Combine(options.Directory, ModelFolder.WeightsFile), tensors,
                new Dictionary<string, string> { ["format"] = "pt", ["lft_init_model_steps"] = options.Steps.ToString(System.Globalization.CultureInfo.InvariantCulture) });
        }
        File.WriteAllText(Path.Combine(options.Directory, TokenizerLoader.TokenizerJson), tokenizer.ToTokenizerJson(config.PadTokenId, config.BosTokenId, config.EosTokenId));
        log.WriteLine($"lft-train init-model: wrote {options.Directory} (final pretraining loss {loss:F3}).");
        return loss;
    }
}
