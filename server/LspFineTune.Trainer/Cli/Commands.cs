using LspFineTune.Core.Editing;
using LspFineTune.Core.Planning;
using LspFineTune.Trainer.Data;
using LspFineTune.Trainer.Models;
using LspFineTune.Trainer.Native;
using LspFineTune.Trainer.Pretraining;
using LspFineTune.Trainer.Tokenization;
using LspFineTune.Trainer.Training;
using static TorchSharp.torch;

namespace LspFineTune.Trainer.Cli;

/// <summary>The verbs of lft-train; each returns the process exit code.</summary>
internal static class Commands
{
    public const string Usage = """
        lft-train: the bundled TorchSharp trainer of LspFineTune (CPU, real libtorch).

        lft-train train CONFIG.lft.yaml [--metrics OUT.jsonl] [--max-steps N] [--resume] [--bad-lines skip|fail]
                                        [--merge] [--output DIR] [--threads N] [--set KEY=VALUE]...
                                        [--stop-after-steps N] [--dump-first-batch FILE.json]
        lft-train CONFIG.lft.yaml [options]      the same as `train`
            Trains the config; metrics as JSON lines on stdout (docs/trainer.md), logs on stderr.
            --set KEY=VALUE overrides one key of the config (its own dialect's path, e.g. optimizer.learning_rate=2e-3;
            the value typed as YAML types it) before it is checked and bound; repeatable.
            --stop-after-steps N stops after step N with an eval and a checkpoint, the learning-rate schedule still
            that of the whole run, so a later --resume (with the same --set) continues to the end exactly.
            --dump-first-batch FILE.json writes the first micro-batch's input ids and labels (-100: not scored), to feed
            a reference implementation exactly the batch lft-train starts on.
        lft-train init-model DIR [--steps N] [--seed N] [--dtype bf16|fp32] [--threads N]
            Creates a small pretrained LLaMA in DIR (config.json, model.safetensors, tokenizer.json).
        lft-train convert-llama2c MODEL.bin DIR
            Converts a llama2.c checkpoint to a Hugging Face folder (half-split RoPE).
        lft-train generate MODEL_DIR [--prompt TEXT] [--tokens N] [--adapter DIR]
            Greedy generation, to look at what a model learned.

        Exit codes: 0 done, 1 the config or data has errors, 2 the tool could not run,
        130 cancelled by SIGTERM/SIGINT after checkpointing the last step (continue with --resume).
        """;

    /// <summary>128 + SIGINT, as shells report an interrupted command; the run can continue with --resume.</summary>
    public const int CancelledExitCode = 130;

    public static int Train(IReadOnlyList<string> arguments)
    {
        var line = CommandLine.Parse(arguments, new HashSet<string> { "resume", "merge" }, new HashSet<string> { "metrics", "max-steps", "bad-lines", "output", "threads", "stop-after-steps", "dump-first-batch" }, new HashSet<string> { "set" });
        if (line.Positional.Count != 1)
            throw CommandLine.Usage("train takes exactly one config file.");
        var badLines = line.Value("bad-lines") switch
        {
            null or "skip" => BadLinePolicy.Skip,
            "fail" => BadLinePolicy.Fail,
            var other => throw CommandLine.Usage($"--bad-lines takes skip or fail, not `{other}`."),
        };
        var configPath = line.Positional[0];
        var overrides = line.Values("set").Select(assignment =>
        {
            try
            {
                return ConfigOverrides.Parse(assignment);
            }
            catch (FormatException e)
            {
                throw CommandLine.Usage($"--set {e.Message}.");
            }
        }).ToList();
        var options = new TrainOptions
        {
            ConfigPath = configPath,
            MetricsPath = line.Value("metrics"),
            MaxSteps = line.Long("max-steps"),
            Resume = line.Has("resume"),
            BadLines = badLines,
            MergeLora = line.Has("merge"),
            OutputDirectory = line.Value("output") is { } output ? Path.GetFullPath(output) : null,
            Threads = (int?)line.Long("threads"),
            Overrides = overrides,
            StopAfterSteps = line.Long("stop-after-steps"),
            FirstBatchPath = line.Value("dump-first-batch") is { } dump ? Path.GetFullPath(dump) : null,
        };
        // The editor cancels with SIGTERM (Ctrl+C sends SIGINT): finish the step, checkpoint, exit 130.
        using var signals = new StopSignals(Console.Error);
        try
        {
            var summary = new TrainingSession(options with { Cancellation = signals.Token, StepsStarting = signals.StepsStarting }, Console.Out, Console.Error).Run();
            return summary.Cancelled ? CancelledExitCode : 0;
        }
        catch (OperationCanceledException) when (signals.Token.IsCancellationRequested)
        {
            Console.Error.WriteLine("lft-train: stopped before the first step; nothing to keep (run again to start).");
            return CancelledExitCode;
        }
    }

    public static int InitModel(IReadOnlyList<string> arguments)
    {
        var line = CommandLine.Parse(arguments, new HashSet<string>(), new HashSet<string> { "steps", "seed", "dtype", "threads" });
        if (line.Long("threads") is { } threads)
        {
            LibTorchLoader.EnsureLoaded();
            set_num_threads((int)threads);
        }
        if (line.Positional.Count != 1)
            throw CommandLine.Usage("init-model takes exactly one folder.");
        var dtype = line.Value("dtype") switch
        {
            null or "bf16" => ScalarType.BFloat16,
            "fp32" => ScalarType.Float32,
            var other => throw CommandLine.Usage($"--dtype takes bf16 or fp32, not `{other}`."),
        };
        var options = new ModelInitializer.Options(line.Positional[0], Steps: (int)(line.Long("steps") ?? 400), Seed: (int)(line.Long("seed") ?? 1234), Dtype: dtype);
        ModelInitializer.Run(options, Console.Error);
        return 0;
    }

    public static int ConvertLlama2c(IReadOnlyList<string> arguments)
    {
        var line = CommandLine.Parse(arguments, new HashSet<string>(), new HashSet<string>());
        if (line.Positional.Count != 2)
            throw CommandLine.Usage("convert-llama2c takes a .bin file and an output folder.");
        LibTorchLoader.EnsureLoaded();
        using var model = Llama2cCheckpoint.Load(line.Positional[0], halfSplitRope: true);
        ModelFolder.Save(model, line.Positional[1], ScalarType.Float32);
        Console.Error.WriteLine($"lft-train: wrote {line.Positional[1]} (llama2.c has no tokenizer here; add tokenizer.model to use text).");
        return 0;
    }

    public static int Generate(IReadOnlyList<string> arguments)
    {
        var line = CommandLine.Parse(arguments, new HashSet<string>(), new HashSet<string> { "prompt", "tokens", "adapter" });
        if (line.Positional.Count != 1)
            throw CommandLine.Usage("generate takes one model folder.");
        LibTorchLoader.EnsureLoaded();
        var folder = line.Positional[0];
        var adapter = line.Value("adapter");
        using var model = ModelFolder.Load(folder, adapter is null ? null : PeftAdapter.ReadSpec(adapter));
        if (adapter is not null)
            PeftAdapter.Load(model, adapter);
        var tokenizer = TokenizerLoader.Load(folder, model.Config.VocabSize);
        var prompt = line.Value("prompt") ?? "";
        IReadOnlyList<long> ids = [model.Config.BosTokenId, .. tokenizer.Encode(prompt).Select(i => (long)i)];
        var generated = GreedyDecoder.Generate(model, ids, (int)(line.Long("tokens") ?? 60));
        var untilEos = generated.TakeWhile(id => id != model.Config.EosTokenId).Select(id => (int)id);
        Console.WriteLine(prompt + tokenizer.Decode(untilEos));
        return 0;
    }
}
