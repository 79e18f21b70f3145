using System.Diagnostics;
using System.Globalization;
using System.Text.Json.Nodes;
using LspFineTune.Core;
using LspFineTune.Core.Diagnostics;
using LspFineTune.Core.Editing;
using LspFineTune.Core.Planning;
using LspFineTune.Trainer.Data;
using LspFineTune.Trainer.Files;
using LspFineTune.Trainer.Models;
using LspFineTune.Trainer.Native;
using LspFineTune.Trainer.Tokenization;
using TorchSharp;
using TorchSharp.Modules;
using static TorchSharp.torch;

namespace LspFineTune.Trainer.Training;

/// <summary>
/// Runs one config: binds it with LspFineTune.Core (the plan the editor estimated), loads the base model and data,
/// trains with the configured method, and writes metrics, checkpoints and the final adapter or model.
/// </summary>
public sealed class TrainingSession
{
    private readonly TrainOptions _options;
    private readonly TextWriter _log;
    private readonly MetricsWriter _metrics;

    public TrainingSession(TrainOptions options, TextWriter stdout, TextWriter log)
    {
        _options = options;
        _log = log;
        _metrics = new MetricsWriter(stdout, options.MetricsPath, append: options.Resume);
    }

    public TrainingSummary Run()
    {
        try
        {
            return RunCore();
        }
        finally
        {
            _metrics.Dispose();
        }
    }

    private TrainingSummary RunCore()
    {
        var (plan, estimatedPeak) = BindConfig();
        LibTorchLoader.EnsureLoaded();
        if (_options.Threads is { } threads)
            set_num_threads(threads);
        var configDirectory = Path.GetDirectoryName(Path.GetFullPath(_options.ConfigPath))!;
        var modelDirectory = ResolveModelFolder(plan, configDirectory);
        var outputDirectory = OutputFolder.Prepare(_options.OutputDirectory ?? Path.Combine(configDirectory, plan.Output.Dir), _options.OutputDirectory is null ? "output.dir" : "--output", _options.MetricsPath);
        _log.WriteLine($"lft-train: writing to {outputDirectory} (checkpoints, {(plan.Method.Type == FineTuneMethod.Lora ? "adapter" : "model")}).");
        var training = plan.Training with
        {
            Attention = _options.Attention ?? plan.Training.Attention,
            GradientCheckpointing = _options.GradientCheckpointing ?? plan.Training.GradientCheckpointing,
        };
        var dtype = (_options.Dtype ?? plan.Model.Dtype) switch
        {
            WeightDtype.Bf16 => ScalarType.BFloat16,
            WeightDtype.Fp16 => throw new TrainerException($"{_options.ConfigPath}: model.dtype fp16 is not supported on CPU by lft-train (libtorch lacks fp16 CPU kernels for training); use bf16 or fp32.", 1),
            _ => ScalarType.Float32,
        };

        manual_seed(plan.Training.Seed);
        var method = plan.Method.Type;
        var lora = plan.Method.UsesLora
            ? new LoraSpec(plan.Method.Lora.Rank, plan.Method.Lora.Alpha, plan.Method.Lora.Dropout, plan.Method.Lora.TargetModules, plan.Method.Lora.AllLinear)
            : null;
        using var model = ModelFolder.Load(modelDirectory, lora, _options.Cancellation);
        if (dtype != ScalarType.Float32)
            model.to(dtype);
        model.Attention = training.Attention == AttentionKind.Eager ? AttentionImplementation.Eager : AttentionImplementation.Sdpa;
        model.GradientCheckpointing = training.GradientCheckpointing;
        if (training.Attention == AttentionKind.Flash)
            _log.WriteLine("lft-train: attention `flash` needs a GPU; using libtorch's sdpa kernel on CPU.");
        model.train();
        if (training.SequenceLength > model.Config.MaxPositionEmbeddings)
            throw new TrainerException($"{_options.ConfigPath}: training.sequence_length {training.SequenceLength} is longer than the model's {model.Config.MaxPositionEmbeddings} positions (max_position_embeddings in {modelDirectory}/config.json); lower it.", 1);

        var tokenizer = TokenizerLoader.Load(modelDirectory, model.Config.VocabSize, _options.Cancellation);
        var maxTokens = training.SequenceLength + 1;
        var (trainData, evalData) = TrainingData.Load(plan.Data, _options.ConfigPath, modelDirectory,
            new ExampleEncoder(tokenizer, model.Config.BosTokenId, model.Config.EosTokenId, maxTokens), _options.BadLines, ReportBadLines, _options.Cancellation);
        var trainBatches = new Batcher(trainData, training.MicroBatchSize, training.SequenceLength, training.Packing, training.Seed, model.Config.PadTokenId);
        if (_options.FirstBatchPath is { } dumpPath)
            FirstBatch.Write(trainBatches, model.named_parameters().Select(p => p.name), dumpPath);
        var evalBatches = evalData is null ? null : new Batcher(evalData, training.MicroBatchSize, training.SequenceLength, packing: false, training.Seed, model.Config.PadTokenId);

        var accumulation = training.GradientAccumulationSteps;
        var totalSteps = _options.MaxSteps ?? training.MaxSteps ?? (long)Math.Ceiling(training.Epochs * trainBatches.BatchesPerEpoch / accumulation);
        totalSteps = Math.Max(1, totalSteps);
        var schedule = new LearningRateSchedule(plan.Optimizer.LearningRate, plan.Optimizer.Scheduler, plan.Optimizer.WarmupSteps, totalSteps);

        // Which weights train: LoRA adapters only (LoRA, zeroth-order over LoRA); every weight for full and zeroth-order fine-tuning.
        var trainable = lora is not null ? model.AdapterParameters().ToList() : model.named_parameters().Select(p => (p.name, p.parameter)).ToList();
        var frozen = model.named_parameters().Where(p => !trainable.Any(t => t.Item1 == p.name)).ToList();
        foreach (var (_, parameter) in frozen)
            parameter.requires_grad = false;
        var trainableCount = trainable.Sum(p => p.Item2.numel());
        // Counted before SensZOQ's NF4 step frees the full-precision projections.
        var totalParameters = model.parameters().Sum(p => p.numel());

        var checkpoints = new CheckpointStore(Path.Combine(outputDirectory, "checkpoints"), _log, _options.Cancellation);
        IParameterOptimizer? optimizer = null;
        ZerothOrderOptimizer? zeroth = null;
        Dictionary<string, Tensor>? sensitiveIndices = null;
        IReadOnlyList<(string Name, Tensor Value)> checkpointed = trainable.Select(p => (p.Item1, (Tensor)p.Item2)).ToList();
        long startStep = 0;
        CheckpointStore.Loaded? resumed = null;
        if (_options.Resume)
        {
            resumed = checkpoints.LoadLatest();
            if (resumed is null && checkpoints.Any())
                throw new TrainerException($"{checkpoints.Directory}: no checkpoint there can be loaded (see above for why); none was loaded. Run without --resume to start over (that replaces lft-train's own checkpoints there and keeps anything else).");
            if (resumed is null)
                _log.WriteLine($"lft-train: no checkpoint in {checkpoints.Directory}; starting from step 0.");
        }
        else
        {
            // A fresh run must not later resume from an older run's checkpoints; what lft-train did not write stays.
            var cleanup = checkpoints.RemoveEarlierRun();
            if (cleanup.Removed > 0)
                _log.WriteLine($"lft-train: removed {cleanup.Removed} checkpoint(s) of an earlier run from {checkpoints.Directory} (a fresh run; use --resume to continue one).");
            foreach (var (path, reason) in cleanup.Kept)
                _log.WriteLine($"lft-train: kept {path}: {reason}, so it is not lft-train's to delete; it is never loaded.");
        }

        try
        {
            if (method == FineTuneMethod.ZerothOrder)
            {
                if (plan.Optimizer.Type is not (OptimizerType.ZoSgd or OptimizerType.Sgd))
                    _log.WriteLine($"lft-train: method zeroth_order updates with zeroth-order SGD (MeZO); optimizer.type {plan.Optimizer.Type.ToConfigName()} is not used.");
                foreach (var (_, parameter) in trainable)
                    parameter.requires_grad = false;
                var fraction = plan.Method.ZerothOrder.TrainableFraction;
                List<ZerothOrderTarget> targets;
                if (fraction < 1.0)
                {
                    if (lora is not null)
                        throw new TrainerException($"{_options.ConfigPath}: method.zeroth_order.trainable_fraction below 1 (SensZOQ) chooses sensitive base weights and cannot be combined with parameters: lora; use one or the other.", 1);
                    // The mask is static: a resumed run continues with the checkpoint's indices.
                    sensitiveIndices = resumed is not null
                        ? TrainingState.RestoreSensitiveIndices(resumed) ?? []
                        : SelectSensitiveWeights(model, trainable, fraction, plan, training, tokenizer, maxTokens, trainBatches);
                    targets = SensitiveSubset.Targets(model, trainable, sensitiveIndices, plan.Model.Quantization == Quantization.Nf4);
                    checkpointed = targets.Select(t => (t.Name, t.Values)).ToList();
                }
                else
                {
                    targets = trainable.Select(p => new ZerothOrderTarget(p.Item1, p.Item2, null, p.Item2.dim() >= 2)).ToList();
                }
                zeroth = new ZerothOrderOptimizer(targets, plan.Method.ZerothOrder.Epsilon, training.Seed, plan.Optimizer.WeightDecay);
                trainableCount = zeroth.PerturbedCount;
                _log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"lft-train: zeroth-order perturbs {zeroth.PerturbedCount:N0} values a step{(plan.Model.Quantization == Quantization.Nf4 ? ", the frozen linear weights held in NF4" : "")}."));
            }
            else
            {
                optimizer = plan.Optimizer.Type switch
                {
                    OptimizerType.Sgd or OptimizerType.ZoSgd => new SgdOptimizer(trainable, plan.Optimizer.WeightDecay),
                    OptimizerType.AdaRankGrad => new AdaRankGradOptimizer(trainable, plan.Optimizer.WeightDecay, plan.Optimizer.AdaRankGrad, training.Seed),
                    OptimizerType.AdamW => new AdamWOptimizer(trainable, plan.Optimizer.WeightDecay),
                    var other => UnsupportedOptimizer(other),
                };
            }

            var layout = new TrainedLayout(
                method.ToConfigName(),
                optimizer?.Name ?? "zo_sgd",
                optimizer?.State().Any() ?? false,
                method == FineTuneMethod.ZerothOrder && plan.Method.ZerothOrder.TrainableFraction < 1.0,
                checkpointed);
            if (resumed is not null)
            {
                TrainingState.Restore(resumed, layout, optimizer);
                zeroth?.WriteBack();
                startStep = resumed.Step;
                _log.WriteLine($"lft-train: resumed from {resumed.Path} (step {startStep}).");
            }

            _log.WriteLine($"lft-train: {model.Config.NumHiddenLayers}-layer {model.Config.ModelType} from {modelDirectory}, {method.ToConfigName()}, {trainableCount:N0} trainable parameters, tokenizer {tokenizer.Description}, {trainBatches.ExampleCount} training examples, {totalSteps} steps.");
            if (MemoryAllocator.FallbackReason is { } stayedOnGlibc)
                _log.WriteLine($"lft-train: memory allocator glibc malloc ({stayedOnGlibc}): peak memory can exceed the estimate by half or more and steps run slower, since glibc keeps freed tensor memory resident; install tcmalloc (Debian/Ubuntu: libtcmalloc-minimal4, Fedora: gperftools-libs) and lft-train uses it.");
            _metrics.Write("start", new JsonObject
            {
                ["config"] = Path.GetFullPath(_options.ConfigPath),
                ["method"] = method.ToConfigName(),
                ["optimizer"] = method == FineTuneMethod.ZerothOrder ? "zo_sgd" : optimizer!.Name,
                ["total_steps"] = totalSteps,
                ["start_step"] = startStep,
                ["trainable_parameters"] = trainableCount,
                ["total_parameters"] = totalParameters,
                ["train_examples"] = trainBatches.ExampleCount,
                ["eval_examples"] = evalBatches?.ExampleCount,
                ["estimated_peak_bytes"] = estimatedPeak,
                // Which malloc serves libtorch's tensors: tcmalloc when installed (MemoryAllocator), else glibc.
                ["allocator"] = MemoryAllocator.Current(),
                // Whether MKL's vendor check is answered so it picks its AVX-512 kernels on AMD (MklVendorCheck).
                ["mkl_vendor_check_answered"] = MklVendorCheck.Answered(),
                // Resident memory with the runtime, libtorch, model and data loaded, before the first step:
                // the fixed part an estimator's process-overhead term has to cover.
                ["rss_bytes_before_training"] = PeakMemory.CurrentResidentBytes(),
                ["output_dir"] = outputDirectory,
            });

            double? initialEval = null;
            if (evalBatches is not null && startStep == 0 && !_options.StepsOnly)
            {
                initialEval = LanguageModelLoss.Evaluate(model, evalBatches);
                WriteEval(0, initialEval.Value);
                _log.WriteLine(string.Create(CultureInfo.InvariantCulture, $"lft-train: before training: eval loss {initialEval:F4} (perplexity {Math.Exp(initialEval.Value):F2})"));
            }

            var lastLoss = resumed is null ? double.NaN : TrainingState.LastLoss(resumed);
            _options.StepsStarting?.Invoke();
            double? lastEval = null;
            var stepMs = new List<double>();
            long tokensSeen = 0;
            double secondsSpent = 0;
            // One micro-batch's loss jumps with its examples; the progress line also shows a smoothed one.
            var smoothed = new SmoothedLoss();
            if (_options.StopAfterSteps is { } stopAt && stopAt >= totalSteps)
                _log.WriteLine($"lft-train: --stop-after-steps {stopAt} is not before the last step ({totalSteps}); the run goes to the end.");
            TrainingSummary Summary(long steps, bool cancelled, bool stopped) => new()
            {
                Steps = steps,
                FinalLoss = lastLoss,
                InitialEvalLoss = initialEval,
                FinalEvalLoss = lastEval,
                PeakRssBytes = PeakMemory.PeakResidentBytes(),
                EstimatedPeakBytes = estimatedPeak,
                MeanStepMs = stepMs.Count > 0 ? stepMs.Average() : 0,
                TokensPerSecond = secondsSpent > 0 ? tokensSeen / secondsSpent : 0,
                TrainableParameters = trainableCount,
                Cancelled = cancelled,
                StoppedEarly = stopped,
            };
            for (var step = startStep; step < totalSteps; step++)
            {
                var learningRate = schedule.At(step);
                var watch = Stopwatch.StartNew();
                var phases = new StepPhases();
                long tokens = 0;
                if (zeroth is not null)
                {
                    // The reference's zo_forward runs the model in eval mode: no dropout, the same function both times.
                    model.eval();
                    lastLoss = zeroth.Step(step, () => ForwardLoss(model, trainBatches, step, accumulation, ref tokens), learningRate);
                    model.train();
                    tokens /= 2; // both forwards read the same tokens
                }
                else
                {
                    lastLoss = GradientStep(model, trainBatches, step, accumulation, ref tokens, phases);
                    var optimizerStart = Stopwatch.GetTimestamp();
                    optimizer!.Step(learningRate);
                    model.zero_grad();
                    phases.Optimizer += Stopwatch.GetElapsedTime(optimizerStart);
                }
                watch.Stop();
                var completed = step + 1;
                var stopping = completed == _options.StopAfterSteps && completed < totalSteps;
                smoothed.Add(lastLoss);
                stepMs.Add(watch.Elapsed.TotalMilliseconds);
                tokensSeen += tokens;
                secondsSpent += watch.Elapsed.TotalSeconds;
                _metrics.Write("step", new JsonObject
                {
                    ["step"] = completed,
                    ["total_steps"] = totalSteps,
                    ["loss"] = MetricsWriter.Number(lastLoss),
                    ["smoothed_loss"] = MetricsWriter.Number(smoothed.Value),
                    ["lr"] = learningRate,
                    ["tokens"] = tokens,
                    ["tokens_per_second"] = MetricsWriter.Number(tokens / watch.Elapsed.TotalSeconds),
                    ["step_ms"] = Math.Round(watch.Elapsed.TotalMilliseconds, 3),
                    ["phase_ms"] = zeroth is null ? phases.ToJson(watch.Elapsed) : null,
                    ["peak_rss_bytes"] = PeakMemory.PeakResidentBytes(),
                    ["epoch"] = Math.Round((double)completed * accumulation / trainBatches.BatchesPerEpoch, 4),
                    ["eta_seconds"] = Math.Round((totalSteps - completed) * secondsSpent / stepMs.Count, 1),
                });
                if (!double.IsFinite(lastLoss))
                    throw new TrainerException($"the loss became {lastLoss} at step {completed}; lower optimizer.learning_rate or use fp32.", 1);
                if (_options.StepsOnly)
                    continue;
                if (evalBatches is not null && (completed % plan.Output.EvalEverySteps == 0 || completed == totalSteps || stopping))
                {
                    lastEval = LanguageModelLoss.Evaluate(model, evalBatches);
                    WriteEval(completed, lastEval.Value);
                    _log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"lft-train: step {completed}/{totalSteps}: train loss {lastLoss:F4} (smoothed {smoothed.Value:F4}, {SmoothedLoss.Description}), eval loss {lastEval:F4} (perplexity {Math.Exp(lastEval.Value):F2}), {stepMs.Average():F0} ms/step, peak RSS {PeakMemory.PeakResidentBytes() / 1048576.0:F0} MiB"));
                }
                string? checkpointPath = null;
                if (completed % plan.Output.SaveEverySteps == 0 || completed == totalSteps || stopping)
                {
                    checkpointPath = TrainingState.Save(checkpoints, completed, lastLoss, layout, optimizer, sensitiveIndices);
                    _metrics.Write("checkpoint", new JsonObject { ["step"] = completed, ["path"] = checkpointPath });
                }
                if (_options.Cancellation.IsCancellationRequested && completed < totalSteps)
                {
                    // Stopped by SIGTERM/SIGINT (the editor's cancel): keep the work, so --resume continues from here.
                    checkpointPath ??= TrainingState.Save(checkpoints, completed, lastLoss, layout, optimizer, sensitiveIndices);
                    _metrics.Write("cancelled", new JsonObject { ["step"] = completed, ["checkpoint"] = checkpointPath });
                    _log.WriteLine($"lft-train: cancelled after step {completed}/{totalSteps}; checkpoint {checkpointPath}. Run again with --resume to continue.");
                    return Summary(completed, cancelled: true, stopped: false);
                }
                if (stopping)
                {
                    // --stop-after-steps (a sweep's early score): the schedule was the whole run's, so --resume
                    // continues to the end exactly as an uninterrupted run.
                    _metrics.Write("stopped", new JsonObject { ["step"] = completed, ["total_steps"] = totalSteps, ["eval_loss"] = lastEval is { } early ? MetricsWriter.Number(early) : null, ["checkpoint"] = checkpointPath });
                    _log.WriteLine($"lft-train: stopped after step {completed}/{totalSteps} (--stop-after-steps); checkpoint {checkpointPath}. Run again with --resume to continue to the end.");
                    return Summary(completed, cancelled: false, stopped: true);
                }
            }

            string? adapterDirectory = null;
            string? savedModelDirectory = null;
            if (!_options.StepsOnly)
            {
                model.DequantizeFrozen();
                (adapterDirectory, savedModelDirectory) = RunOutputs.Save(model, outputDirectory, modelDirectory, plan.Model.Id.Trim(), plan.Method.UsesLora ? FineTuneMethod.Lora : method, _options.MergeLora, _log);
            }

            if (estimatedPeak is { } estimate)
            {
                var measured = PeakMemory.PeakResidentBytes();
                _log.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"lft-train: peak memory measured {measured / 1048576.0:F0} MiB (VmHWM), estimated {estimate / 1048576.0:F0} MiB ({(double)(estimate - measured) / measured * 100:+0;-0} %)."));
            }
            var summary = Summary(totalSteps, cancelled: false, stopped: false) with
            {
                AdapterDirectory = adapterDirectory,
                ModelDirectory = savedModelDirectory,
            };
            _metrics.Write("end", new JsonObject
            {
                ["step"] = totalSteps,
                ["final_loss"] = MetricsWriter.Number(summary.FinalLoss),
                ["initial_eval_loss"] = summary.InitialEvalLoss is { } first ? MetricsWriter.Number(first) : null,
                ["eval_loss"] = summary.FinalEvalLoss is { } last ? MetricsWriter.Number(last) : null,
                ["perplexity"] = summary.FinalEvalLoss is { } lastForPerplexity ? MetricsWriter.Number(Math.Exp(lastForPerplexity)) : null,
                ["peak_rss_bytes"] = summary.PeakRssBytes,
                ["estimated_peak_bytes"] = summary.EstimatedPeakBytes,
                ["mean_step_ms"] = Math.Round(summary.MeanStepMs, 3),
                ["tokens_per_second"] = Math.Round(summary.TokensPerSecond, 1),
                ["adapter_dir"] = adapterDirectory,
                ["model_dir"] = savedModelDirectory,
            });
            return summary;
        }
        finally
        {
            optimizer?.Dispose();
            foreach (var tensor in sensitiveIndices?.Values.AsEnumerable() ?? [])
                tensor.Dispose();
            resumed?.Dispose();
        }
    }

    private static IParameterOptimizer UnsupportedOptimizer(OptimizerType type) =>
        throw new TrainerException($"optimizer.type {type.ToConfigName()} is not available in lft-train on CPU; use adamw, sgd or adarankgrad (or method zeroth_order).", 1);

    private (TrainingPlan Plan, long? EstimatedPeak) BindConfig()
    {
        string text;
        try
        {
            text = TrainerFiles.ReadAllText(_options.ConfigPath, FileRole.Config, _options.Cancellation);
        }
        catch (TrainerException) when (!File.Exists(_options.ConfigPath) && !Directory.Exists(_options.ConfigPath))
        {
            throw new TrainerException($"{_options.ConfigPath}: no such config file.");
        }
        try
        {
            text = ConfigOverrides.Apply(text, _options.Overrides);
        }
        catch (FormatException e)
        {
            throw new TrainerException($"{_options.ConfigPath}: --set {e.Message}.");
        }
        var analysis = ConfigAnalyzer.AnalyzeFile(_options.ConfigPath, text);
        // With --set, positions are those of the overridden text; say so rather than point at the wrong line.
        var overridden = _options.Overrides.Count > 0 ? $" (with --set {string.Join(", ", _options.Overrides)})" : "";
        string Format(Diagnostic d) =>
            $"{_options.ConfigPath}:{d.Range.Start.Line + 1}:{d.Range.Start.Character + 1}: {d.Severity.ToString().ToLowerInvariant()} {d.Code}: {d.Message}{overridden}";
        var errors = analysis.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Error).ToList();
        if (errors.Count > 0 || analysis.Plan is null)
            throw new TrainerException(errors.Count > 0 ? string.Join(Environment.NewLine, errors.Select(Format)) : $"{_options.ConfigPath}: the config could not be bound to a training plan.", 1);
        foreach (var warning in analysis.Diagnostics.Where(d => d.Severity == DiagnosticSeverity.Warning))
            _log.WriteLine(Format(warning));
        var plan = analysis.Plan;
        // NF4 holds SensZOQ's frozen remainder: the only method where lft-train never computes gradients of those weights.
        var sensZoq = plan.Method.Type == FineTuneMethod.ZerothOrder && plan.Method.ZerothOrder.TrainableFraction < 1.0 && !plan.Method.ZerothOrder.OverLora;
        if (plan.Model.Quantization != Quantization.None && !(sensZoq && plan.Model.Quantization == Quantization.Nf4))
            throw new TrainerException($"{_options.ConfigPath}: model.quantization {plan.Model.Quantization.ToConfigName()} is not supported by lft-train on CPU{(plan.Model.Quantization == Quantization.Nf4 ? " except for zeroth_order with trainable_fraction below 1 (SensZOQ, whose frozen weights it holds in NF4)" : "")}; set it to none.", 1);
        // The estimate is of this machine's memory only when the config targets the CPU.
        var estimate = plan.Hardware.Gpu.IsCpu ? analysis.Estimate?.Memory.PeakBytes : null;
        if (!plan.Hardware.Gpu.IsCpu)
            _log.WriteLine($"lft-train: hardware.gpu is {plan.Hardware.Gpu.Id}; training runs on this machine's CPU, and the GPU's memory estimate is not compared with it (use `gpu: cpu` for that).");
        return (plan, estimate);
    }

    private string ResolveModelFolder(TrainingPlan plan, string configDirectory)
    {
        var candidate = Path.GetFullPath(Path.Combine(configDirectory, plan.Model.Id));
        if (Directory.Exists(candidate))
            return candidate;
        throw new TrainerException($"{_options.ConfigPath}: lft-train needs the model as a local folder (config.json + *.safetensors), relative to the config's folder: `model.path`, axolotl's `base_model`, or LLaMA-Factory's and TRL's `model_name_or_path`; `{plan.Model.Id}` is not one. Create a small one with `lft-train init-model DIR`.", 1);
    }

    private void ReportBadLines(string files, JsonlDataset.Result result)
    {
        foreach (var bad in result.BadLines)
        {
            _log.WriteLine($"{bad}; line skipped.");
            _metrics.Write("bad_line", new JsonObject { ["file"] = bad.File, ["line"] = bad.Line, ["problem"] = bad.Problem });
        }
        if (result.BadLineCount > result.BadLines.Count)
            _log.WriteLine($"{files}: {result.BadLineCount:N0} bad lines skipped in all; the first {result.BadLines.Count} are listed above.");
    }

    private void WriteEval(long step, double loss) => _metrics.Write("eval", new JsonObject
    {
        ["step"] = step,
        ["eval_loss"] = MetricsWriter.Number(loss),
        ["perplexity"] = MetricsWriter.Number(Math.Exp(loss)),
    });

    /// <summary>Forward and backward over the step's micro-batches; gradients accumulate scaled by 1/accumulation.</summary>
    private static double GradientStep(CausalLanguageModel model, Batcher batches, long step, int accumulation, ref long tokens, StepPhases phases)
    {
        double total = 0;
        for (var micro = 0; micro < accumulation; micro++)
        {
            var start = Stopwatch.GetTimestamp();
            using var scope = NewDisposeScope();
            var (inputs, labels, _) = batches.MicroBatch(step * accumulation + micro);
            tokens += inputs.numel();
            var forwardStart = Stopwatch.GetTimestamp();
            phases.Batch += Stopwatch.GetElapsedTime(start, forwardStart);
            var loss = LanguageModelLoss.Mean(model, inputs, labels);
            var backwardStart = Stopwatch.GetTimestamp();
            phases.Forward += Stopwatch.GetElapsedTime(forwardStart, backwardStart);
            (loss / accumulation).backward();
            phases.Backward += Stopwatch.GetElapsedTime(backwardStart);
            total += loss.item<float>();
        }
        return total / accumulation;
    }

    /// <summary>The step's loss without gradients (one MeZO evaluation).</summary>
    private static double ForwardLoss(CausalLanguageModel model, Batcher batches, long step, int accumulation, ref long tokens)
    {
        using var noGrad = no_grad();
        double total = 0;
        for (var micro = 0; micro < accumulation; micro++)
        {
            using var scope = NewDisposeScope();
            var (inputs, labels, _) = batches.MicroBatch(step * accumulation + micro);
            tokens += inputs.numel();
            total += LanguageModelLoss.Mean(model, inputs, labels).item<float>();
        }
        return total / accumulation;
    }

    /// <summary>
    /// SensZOQ's mask: squared gradients summed over one batch (micro_batch_size x gradient_accumulation_steps examples)
    /// of <c>method.zeroth_order.calibration_data</c> (the paper: C4 pre-training text), else of the training data.
    /// </summary>
    private Dictionary<string, Tensor> SelectSensitiveWeights(CausalLanguageModel model, IReadOnlyList<(string Name, Parameter Parameter)> trainable, double fraction, TrainingPlan plan, TrainingChoice training, ITextTokenizer tokenizer, int maxTokens, Batcher trainBatches)
    {
        var batches = trainBatches;
        if (plan.Method.ZerothOrder.CalibrationDataPath is { } calibrationPath)
            batches = new Batcher(TrainingData.ReadNative(calibrationPath, "method.zeroth_order.calibration_data", new ExampleEncoder(tokenizer, model.Config.BosTokenId, model.Config.EosTokenId, maxTokens), _options.BadLines, ReportBadLines, _options.Cancellation), training.MicroBatchSize, training.SequenceLength, training.Packing, training.Seed, model.Config.PadTokenId);
        else
            _log.WriteLine("lft-train: the sensitive weights are chosen on the training data; SensZOQ chooses them on general pre-training text (C4) so that they transfer: set method.zeroth_order.calibration_data to such a JSON lines file.");
        return SensitiveSubset.Select(trainable, fraction, training.GradientAccumulationSteps, micro =>
        {
            using var scope = NewDisposeScope();
            var (inputs, labels, _) = batches.MicroBatch(micro);
            LanguageModelLoss.Mean(model, inputs, labels).backward();
        });
    }
}
