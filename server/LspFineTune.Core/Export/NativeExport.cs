using LspFineTune.Core.Planning;

namespace LspFineTune.Core.Export;

/// <summary>
/// The plan as a native config (CONFIG.md "Keys"): every section, with the hardware in <c>hardware:</c>, the precision
/// regime as <c>model.precision</c>, and the sharding as the <c>deepspeed:</c> section (FSDP as its ZeRO equivalent).
/// </summary>
public static class NativeExport
{
    public static ExportResult Write(ExportSource source)
    {
        var plan = source.Plan;
        var yaml = new YamlDocument();
        yaml.Comment($"Exported by `lft export --to native` from {Path.GetFileName(source.Analysis.Binding?.Document.Path ?? "the config")} ({source.Analysis.Dialect?.Id}).");
        if (source.Analysis.Binding?.Document.Modeline is { LongestTokens: not null } stated)
            yaml.Comment($"lft: longest_tokens={stated.LongestTokens}" + (stated.MeanTokens is { } mean ? $" mean_tokens={mean}" : ""));
        var model = source.Model();
        yaml.Section("model", m =>
        {
            switch (model.Kind)
            {
                case ModelReferenceKind.Folder:
                    m.Key("path", model.Text);
                    break;
                case ModelReferenceKind.Name:
                    m.Key("name", model.Text);
                    break;
                default:
                    m.Section("architecture", a => Architecture(a, plan.Model.Architecture, source));
                    break;
            }
            m.Key("dtype", plan.Model.Dtype.ToConfigName());
            m.Key("quantization", plan.Model.Quantization.ToConfigName());
            m.Key("precision", Precision(plan.Model.Regime, source));
        });
        yaml.Section("hardware", h => h.Key("gpu", plan.Hardware.Gpu.Id).Key("gpus_per_node", plan.Hardware.GpusPerNode).Key("nodes", plan.Hardware.Nodes));
        yaml.Section("method", m =>
        {
            m.Key("type", plan.Method.Type.ToConfigName());
            if (plan.Method.Type == FineTuneMethod.Lora)
            {
                var lora = plan.Method.Lora;
                m.Section("lora", l =>
                {
                    l.Key("rank", lora.Rank).Key("alpha", lora.Alpha).Key("dropout", lora.Dropout);
                    if (lora.AllLinear)
                        l.Key("target_modules", "all-linear");
                    else
                        l.List("target_modules", lora.TargetModules);
                });
            }
            if (plan.Method.Type == FineTuneMethod.ZerothOrder)
                m.Section("zeroth_order", z => z.Key("epsilon", plan.Method.ZerothOrder.Epsilon).Key("trainable_fraction", plan.Method.ZerothOrder.TrainableFraction));
        });
        var optimizer = plan.Optimizer;
        yaml.Section("optimizer", o =>
        {
            o.Key("type", optimizer.Type.ToConfigName()).Key("learning_rate", optimizer.LearningRate).Key("weight_decay", optimizer.WeightDecay)
                .Key("lr_scheduler", optimizer.Scheduler.ToConfigName()).Key("warmup_steps", optimizer.WarmupSteps);
            if (optimizer.Type == OptimizerType.AdaRankGrad)
                o.Section("adarankgrad", a => a.Key("max_rank", optimizer.AdaRankGrad.MaxRank).Key("energy_threshold", optimizer.AdaRankGrad.EnergyThreshold));
        });
        if (optimizer.Paged)
            source.Note("the optimizer is paged (bitsandbytes): the native format has no paged optimizer, so its states are estimated on the GPU.");
        var training = plan.Training;
        yaml.Section("training", t => t.Key("micro_batch_size", training.MicroBatchSize).Key("gradient_accumulation_steps", training.GradientAccumulationSteps)
            .Key("sequence_length", training.SequenceLength).Key("epochs", training.Epochs).Key("max_steps", training.MaxSteps)
            .Key("gradient_checkpointing", training.GradientCheckpointing).Key("attention", training.Attention.ToConfigName())
            .Key("packing", training.Packing).Key("seed", training.Seed));
        if (training.PadToSequenceLength && !training.Packing)
            source.Note("every batch is padded to the full sequence length (pad_to_sequence_len): the native format pads to the longest example.");
        var sharding = plan.DeepSpeed;
        if (sharding.Engine == ShardingEngine.Fsdp)
            source.Note($"the plan shards with FSDP: the native format has DeepSpeed only, so it is written as its ZeRO equivalent (stage {sharding.ZeroStage}), whose buffers and fp32 master weights differ a little.");
        yaml.Section("deepspeed", d => d.Key("zero_stage", sharding.ZeroStage).Key("offload_optimizer", sharding.OffloadOptimizer.ToConfigName()).Key("offload_params", sharding.OffloadParams.ToConfigName()));
        var data = plan.Data;
        yaml.Section("data", d =>
        {
            d.Key("train", data.TrainPath is { } train ? source.Relative(train) : null);
            d.Key("eval", data.EvalPath is { } eval ? source.Relative(eval) : null);
            if (data.TrainPath is null)
                d.Key("num_examples", data.NumExamples).Key("mean_tokens_per_example", data.MeanTokensPerExample);
        });
        yaml.Section("output", o => o.Key("dir", plan.Output.Dir).Key("save_every_steps", plan.Output.SaveEverySteps).Key("eval_every_steps", plan.Output.EvalEverySteps));
        source.NoteCommonLosses("native");
        return new ExportResult([new ExportedFile(source.OutputPath, yaml.ToString())], source.Notes);
    }

    /// <summary>model.precision: mixed (fp32 master), pure (everything 16-bit) or autocast (fp32 weights).</summary>
    private static string Precision(PrecisionRegime regime, ExportSource source)
    {
        if (regime.Fp32Master)
            return "mixed";
        if (regime.Storage == WeightDtype.Fp32 || regime.TrainedInFp32)
        {
            if (regime.TrainedInFp32 && regime.Storage is not (null or WeightDtype.Fp32))
                source.Note("trainable weights upcast to fp32 over a 16-bit frozen base are written as `precision: autocast` (fp32 weights throughout).");
            return "autocast";
        }
        if (regime.AdaptersInFp32 && source.Plan.Method.Type == FineTuneMethod.Lora)
            source.Note("LoRA adapters kept in fp32 over a 16-bit base are written as `precision: pure` (adapters in 16 bits too).");
        return "pure";
    }

    private static void Architecture(YamlDocument yaml, Catalogs.ModelArchitecture architecture, ExportSource source)
    {
        yaml.Key("model_type", architecture.ModelType).Key("num_hidden_layers", architecture.NumHiddenLayers).Key("hidden_size", architecture.HiddenSize)
            .Key("intermediate_size", architecture.IntermediateSize).Key("num_attention_heads", architecture.NumAttentionHeads)
            .Key("num_key_value_heads", architecture.NumKeyValueHeads).Key("head_dim", architecture.HeadDim).Key("vocab_size", architecture.VocabSize)
            .Key("tie_word_embeddings", architecture.TieWordEmbeddings).Key("num_local_experts", architecture.NumLocalExperts)
            .Key("num_experts_per_tok", architecture.NumExpertsPerTok).Key("max_position_embeddings", architecture.MaxPositionEmbeddings);
        if (architecture.Vision is not null || architecture.KvLoraRank is not null || architecture.MoeIntermediateSize is not null || architecture.SlidingWindow is not null)
            source.Note("the inline architecture is written with its core keys (layers, sizes, heads, vocabulary, experts); its other keys are not.");
    }
}
